import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { parseBody } from '../common/validation.js';
import { ZodBody, ZodResponse } from '../common/openapi.js';
import { AssignCardSchema, CardViewSchema, CardViewsSchema, UnknownCardsSchema } from '@rfid/protocol';
import { DomainError } from '../common/domain-error.js';
import { CurrentCaller, Roles } from '../auth/decorators.js';
import { isUuid } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { CardsService, type CardView, type UnknownCard } from './cards.service.js';

const AssignCard = AssignCardSchema;

@ApiTags('cards')
@ApiBearerAuth()
@Controller()
export class CardsController {
  constructor(private readonly cards: CardsService) {}

  @Get('students/:studentId/cards')
  @ApiOperation({ summary: 'Cards of a student, newest first (active, lost, replaced).' })
  @ZodResponse(CardViewsSchema)
  list(@Param('studentId') studentId: string): Promise<CardView[]> {
    return this.cards.listForStudent(studentId);
  }

  @Post('students/:studentId/cards')
  @Roles('admin', 'district', 'school')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Assign a card: `{card}` in any printed form (`0363542209`, `171,14017`, `em4100:40:…`) or `{fromTapId}` of a recent unknown tap ("tap to enrol"). The previous active card becomes `replaced` and stops matching at once. 409 when the card is another student’s active card.',
  })
  @ZodBody(AssignCard)
  @ZodResponse(CardViewSchema, { status: 201 })
  assign(
    @CurrentCaller() caller: Caller,
    @Param('studentId') studentId: string,
    @Body() body: unknown,
  ): Promise<CardView> {
    return this.cards.assign(caller, studentId, parseBody(AssignCard, body));
  }

  @Post('cards/:cardId/lost')
  @Roles('admin', 'district', 'school')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Mark a card lost: it stops matching at once; its later taps are unknown and flagged in unknown-cards.',
  })
  @ZodResponse(CardViewSchema)
  lost(@CurrentCaller() caller: Caller, @Param('cardId') cardId: string): Promise<CardView> {
    if (!isUuid(cardId)) throw new DomainError('bad_request', 'cardId: not a UUID');
    return this.cards.markLost(caller, cardId);
  }

  @Get('schools/:schoolId/unknown-cards')
  @Roles('admin', 'district', 'school')
  @ApiOperation({
    summary:
      'Cards tapped at the school that match no active card (default: last 24 h), with `retired` set for lost/replaced cards.',
  })
  @ApiQuery({ name: 'since', required: false, description: 'RFC 3339' })
  @ZodResponse(UnknownCardsSchema)
  unknown(@Param('schoolId') schoolId: string, @Query('since') since?: string): Promise<UnknownCard[]> {
    let from: Date | null = null;
    if (since !== undefined) {
      from = new Date(since);
      if (Number.isNaN(from.getTime()))
        throw new DomainError('bad_request', 'since: not a date-time (RFC 3339)');
    }
    return this.cards.unknownCards(schoolId, from);
  }
}
