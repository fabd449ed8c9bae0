import { Body, Controller, Delete, Get, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  PushSubscriptionBodySchema,
  PushSubscriptionViewSchema,
  PushUnsubscribeBodySchema,
  PushUnsubscribeResultSchema,
  VapidPublicKeySchema,
  type PushSubscriptionView,
  type PushUnsubscribeResult,
  type VapidPublicKey,
} from '@rfid/protocol';
import type { Caller } from '../auth/caller.js';
import { CurrentCaller, Roles } from '../auth/decorators.js';
import { ZodBody, ZodResponse } from '../common/openapi.js';
import { parseBody } from '../common/validation.js';
import { PushSubscriptionsService } from './push-subscriptions.service.js';

@ApiTags('push')
@ApiBearerAuth()
@Controller('push')
export class PushController {
  constructor(private readonly push: PushSubscriptionsService) {}

  @Get('vapid-public-key')
  @ApiOperation({
    summary:
      'The VAPID public key the parent page passes to PushManager.subscribe (null when Web Push is not configured).',
  })
  @ZodResponse(VapidPublicKeySchema)
  vapidPublicKey(): VapidPublicKey {
    return { publicKey: this.push.vapidPublicKey() };
  }

  @Post('subscriptions')
  @Roles('parent')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Register this browser (PushSubscription.toJSON()) for the calling parent’s own guardian records. 404 when no guardian record is linked to the user.',
  })
  @ZodBody(PushSubscriptionBodySchema)
  @ZodResponse(PushSubscriptionViewSchema, { status: 201 })
  subscribe(
    @CurrentCaller() caller: Caller,
    @Body() body: unknown,
    @Headers('user-agent') userAgent?: string,
  ): Promise<PushSubscriptionView> {
    return this.push.subscribe(caller, parseBody(PushSubscriptionBodySchema, body), userAgent ?? null);
  }

  @Delete('subscriptions')
  @Roles('parent')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unregister this browser’s endpoint from the calling parent’s guardian records.' })
  @ZodBody(PushUnsubscribeBodySchema)
  @ZodResponse(PushUnsubscribeResultSchema)
  unsubscribe(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<PushUnsubscribeResult> {
    return this.push.unsubscribe(caller, parseBody(PushUnsubscribeBodySchema, body).endpoint);
  }
}
