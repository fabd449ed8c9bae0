import { Body, Controller, Delete, Get, HttpCode, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ErasureResultSchema, StudentExportSchema, type ErasureResult } from '@rfid/protocol';
import { parseBody } from '../common/validation.js';
import { ZodBody, ZodResponse } from '../common/openapi.js';
import { CurrentCaller, Roles } from '../auth/decorators.js';
import type { Caller } from '../auth/caller.js';
import { PrivacyService } from './privacy.service.js';

const ExportQuery = z.object({ format: z.enum(['json', 'xlsx']).default('json') });
const ErasureBody = z.object({ reason: z.string().trim().min(3).max(500) });

interface FileResponse {
  setHeader(name: string, value: string): void;
  send(body: Buffer | Record<string, unknown>): void;
}

@ApiTags('privacy')
@ApiBearerAuth()
@Controller('students/:studentId/personal-data')
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get()
  @Roles('admin', 'district', 'school')
  @ApiOperation({
    summary:
      'Everything held about one student, for a guardian’s request (Law 91/2025/QH15): JSON, or `format=xlsx` (one sheet per kind). Audited.',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'xlsx'] })
  @ZodResponse(StudentExportSchema)
  async export(
    @CurrentCaller() caller: Caller,
    @Param('studentId') studentId: string,
    @Query() query: Record<string, unknown>,
    @Res() res: FileResponse,
  ): Promise<void> {
    const { format } = parseBody(ExportQuery, query);
    const data = await this.privacy.export(caller, studentId, format);
    if (format === 'json') {
      res.setHeader('content-disposition', `attachment; filename="student-${studentId}.json"`);
      res.send(data);
      return;
    }
    res.setHeader('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('content-disposition', `attachment; filename="student-${studentId}.xlsx"`);
    res.send(await this.privacy.xlsx(data));
  }

  @Delete()
  @HttpCode(200)
  @Roles('admin', 'school')
  @ApiOperation({
    summary:
      'Erase a student: cards, taps, attendance, notifications, account links, guardians linked to no other student, the student. `reason` (e.g. the request reference) is audited with the counts.',
  })
  @ZodBody(ErasureBody)
  @ZodResponse(ErasureResultSchema)
  async erase(
    @CurrentCaller() caller: Caller,
    @Param('studentId') studentId: string,
    @Body() body: unknown,
  ): Promise<ErasureResult> {
    const { reason } = parseBody(ErasureBody, body);
    return { studentId, removed: await this.privacy.erase(caller, studentId, reason) };
  }
}
