import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { parseBody } from '../common/validation.js';
import { Roles } from '../auth/decorators.js';
import { ZodResponse } from '../common/openapi.js';
import { AuditRowsSchema } from '@rfid/protocol';
import { AuditService, type AuditRow } from './audit.service.js';

const AuditQuery = z.object({
  action: z.string().max(100).optional(),
  entity: z.string().max(100).optional(),
  entityId: z.string().max(200).optional(),
  userId: z.string().uuid().optional(),
  schoolId: z.string().uuid().optional(),
  since: z.string().datetime({ offset: true }).optional(),
  until: z.string().datetime({ offset: true }).optional(),
  /** An audit id (bigint): digits, at most 2^63 − 1. */
  beforeId: z
    .string()
    .regex(/^\d{1,19}$/, 'an audit id (digits)')
    // zod runs the refinement even after the regex failed: only digits reach BigInt.
    .refine((v) => !/^\d{1,19}$/.test(v) || BigInt(v) <= 9223372036854775807n, 'not an audit id (too large)')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary: 'Audit log, newest first (admin only). `action=card.` matches a prefix; page with `beforeId`.',
  })
  @ApiQuery({ name: 'action', required: false })
  @ApiQuery({ name: 'entity', required: false })
  @ApiQuery({ name: 'entityId', required: false })
  @ApiQuery({ name: 'userId', required: false })
  @ApiQuery({ name: 'schoolId', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'RFC 3339' })
  @ApiQuery({ name: 'until', required: false, description: 'RFC 3339' })
  @ApiQuery({ name: 'beforeId', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ZodResponse(AuditRowsSchema)
  async list(@Query() query: Record<string, unknown>): Promise<AuditRow[]> {
    return this.audit.list(parseBody(AuditQuery, query));
  }
}
