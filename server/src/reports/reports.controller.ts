import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import {
  DistrictDailyReport,
  PeriodReport,
  ProvinceDailyReport,
  ReportDeliveries,
  ReportRevisions,
  SchoolDailyReport,
  toRfc3339,
  type Clock,
} from '@rfid/protocol';
import { parseBody } from '../common/validation.js';
import { ZodBody } from '../common/openapi.js';
import { DomainError } from '../common/domain-error.js';
import { CLOCK } from '../config/config.js';
import { CurrentCaller, HandlesPartialScope, Roles } from '../auth/decorators.js';
import { isUuid } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';
import { isoDate } from '../people/people.schemas.js';
import { ReportsService } from './reports.service.js';
import { districtDayTable, periodTable, provinceDayTable, schoolDayTable } from './report-tables.js';
import { writeCsv } from './writers/csv.writer.js';
import { writeXlsx } from './writers/xlsx.writer.js';
import { writeSchoolDayPdf } from './writers/pdf.writer.js';
import type { ReportTable } from './writers/report-table.js';

const DayQuery = z.object({ date: isoDate, format: z.enum(['json', 'csv', 'xlsx']).default('json') });
const SchoolDayQuery = z.object({
  date: isoDate,
  format: z.enum(['json', 'csv', 'xlsx', 'pdf']).default('json'),
});
const PeriodQuery = z.object({
  from: isoDate,
  to: isoDate,
  format: z.enum(['json', 'csv', 'xlsx']).default('json'),
});
const SubmitBody = z.object({ date: isoDate });
const DeliveryBody = z
  .object({
    webhookUrl: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be http(s)')
      .nullable(),
    webhookSecret: z.string().min(16, 'at least 16 characters').max(200).nullable(),
    email: z.string().email().nullable(),
  })
  .refine((d) => !d.webhookUrl || d.webhookSecret, {
    message: 'webhookSecret: required with webhookUrl',
    path: ['webhookSecret'],
  });

interface FileResponse extends Writable {
  status(n: number): FileResponse;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
}

const json = (schema: z.ZodType) => {
  const s = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return ApiOkResponse({ schema: s, description: 'JSON; `format=csv|xlsx` gives the same table as a file.' });
};

function id(kind: string, v: string): string {
  if (!isUuid(v)) throw new DomainError('bad_request', `${kind}: must be a UUID`);
  return v;
}

/**
 * CONTRACT §4 reports. JSON by default; `format=csv` (UTF-8 with BOM) and `format=xlsx` give the
 * same table as a file, `format=pdf` a school's day on A4. Files that name students are audited.
 */
@ApiTags('reports')
@ApiBearerAuth()
@Controller()
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('schools/:schoolId/reports/daily')
  @Roles('admin', 'district', 'school', 'teacher')
  @HandlesPartialScope()
  @ApiOperation({
    summary:
      'A school’s day: totals, per class and grade, absentees, late arrivals, unknown cards, offline terminals, revision and submission (a teacher: their classes).',
  })
  @ApiQuery({ name: 'date', required: true })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx', 'pdf'] })
  @json(SchoolDailyReport)
  async schoolDay(
    @CurrentCaller() caller: Caller,
    @Param('schoolId') schoolId: string,
    @Query() query: unknown,
    @Res() res: FileResponse,
  ): Promise<void> {
    const q = parseBody(SchoolDayQuery, query);
    const report = await this.reports.schoolDay(caller, id('schoolId', schoolId), q.date);
    if (q.format === 'json') return res.json(report);
    await this.audit.record(caller, {
      action: 'export.daily_report',
      entity: 'school',
      entityId: schoolId,
      schoolId,
      details: {
        date: q.date,
        format: q.format,
        students: report.absentees.length + report.lateArrivals.length,
      },
    });
    if (q.format === 'pdf') {
      this.fileHeaders(res, 'application/pdf', schoolDayTable(report).fileName, 'pdf');
      return writeSchoolDayPdf(
        report,
        res,
        toRfc3339(this.clock.now(), report.timeZone).slice(0, 16).replace('T', ' '),
      );
    }
    return this.send(res, schoolDayTable(report), q.format);
  }

  @Get('schools/:schoolId/reports/daily/revisions')
  @Roles('admin', 'district', 'school')
  @ApiOperation({
    summary: 'Every stored revision of a school’s day with its totals and what changed (student, from, to).',
  })
  @ApiQuery({ name: 'date', required: true })
  @json(ReportRevisions)
  async revisions(
    @CurrentCaller() caller: Caller,
    @Param('schoolId') schoolId: string,
    @Query() query: unknown,
  ) {
    const q = parseBody(z.object({ date: isoDate }), query);
    return this.reports.revisions(caller, id('schoolId', schoolId), q.date);
  }

  @Post('schools/:schoolId/reports/daily/submit')
  @Roles('admin', 'district', 'school')
  @HttpCode(200)
  @ZodBody(SubmitBody)
  @ApiOperation({
    summary:
      'Submit the school’s day to the district now (before the report time, or again after a correction: a changed day becomes a new revision).',
  })
  @json(SchoolDailyReport)
  async submit(@CurrentCaller() caller: Caller, @Param('schoolId') schoolId: string, @Body() body: unknown) {
    const b = parseBody(SubmitBody, body);
    return this.reports.submit(caller, id('schoolId', schoolId), b.date);
  }

  @Get('districts/:districtId/reports/daily')
  @Roles('admin', 'district')
  @ApiOperation({
    summary:
      'A district’s day: one row per school (submitted, when, revision, amended, offline terminals), totals and missing schools.',
  })
  @ApiQuery({ name: 'date', required: true })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @json(DistrictDailyReport)
  async districtDay(
    @CurrentCaller() caller: Caller,
    @Param('districtId') districtId: string,
    @Query() query: unknown,
    @Res() res: FileResponse,
  ): Promise<void> {
    const q = parseBody(DayQuery, query);
    const report = await this.reports.districtDay(caller, id('districtId', districtId), q.date);
    if (q.format === 'json') return res.json(report);
    return this.send(res, districtDayTable(report), q.format);
  }

  @Get('districts/:districtId/reports/deliveries')
  @Roles('admin', 'district')
  @ApiOperation({
    summary:
      'Every push of the district’s submitted reports of a day (webhook, e-mail): revision, status, attempts, last error, next attempt.',
  })
  @ApiQuery({ name: 'date', required: true })
  @json(ReportDeliveries)
  async deliveries(
    @CurrentCaller() caller: Caller,
    @Param('districtId') districtId: string,
    @Query() query: unknown,
  ): Promise<ReportDeliveries> {
    const q = parseBody(z.object({ date: isoDate }), query);
    return this.reports.deliveriesOf(caller, id('districtId', districtId), q.date);
  }

  @Put('districts/:districtId/reports/delivery')
  @Roles('admin', 'district')
  @HttpCode(204)
  @ZodBody(DeliveryBody)
  @ApiOperation({
    summary:
      'Where submitted reports are pushed: a webhook (signed `X-Signature: sha256=…`) and/or an e-mail address.',
  })
  async delivery(
    @CurrentCaller() caller: Caller,
    @Param('districtId') districtId: string,
    @Body() body: unknown,
  ): Promise<void> {
    await this.reports.setDelivery(caller, id('districtId', districtId), parseBody(DeliveryBody, body));
  }

  @Get('reports/daily')
  @Roles('admin')
  @ApiOperation({
    summary: 'The province’s day: one row per district with schools, submitted, missing and the counts.',
  })
  @ApiQuery({ name: 'date', required: true })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @json(ProvinceDailyReport)
  async provinceDay(@Query() query: unknown, @Res() res: FileResponse): Promise<void> {
    const q = parseBody(DayQuery, query);
    const report = await this.reports.provinceDay(q.date);
    if (q.format === 'json') return res.json(report);
    return this.send(res, provinceDayTable(report), q.format);
  }

  @Get('districts/:id/reports/period')
  @Roles('admin', 'district')
  @ApiOperation({
    summary:
      'A district over school days in [from, to]: per school days, present, late, absent (excused/unexcused), attendance rate, chronic absentees.',
  })
  @ApiQuery({ name: 'from', required: true })
  @ApiQuery({ name: 'to', required: true })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @json(PeriodReport)
  districtPeriod(
    @CurrentCaller() caller: Caller,
    @Param('id') districtId: string,
    @Query() query: unknown,
    @Res() res: FileResponse,
  ): Promise<void> {
    return this.period(caller, 'district', districtId, query, res);
  }

  @Get('schools/:id/reports/period')
  @Roles('admin', 'district', 'school')
  @ApiOperation({ summary: 'A school over school days in [from, to], per class.' })
  @ApiQuery({ name: 'from', required: true })
  @ApiQuery({ name: 'to', required: true })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @json(PeriodReport)
  schoolPeriod(
    @CurrentCaller() caller: Caller,
    @Param('id') schoolId: string,
    @Query() query: unknown,
    @Res() res: FileResponse,
  ): Promise<void> {
    return this.period(caller, 'school', schoolId, query, res);
  }

  @Get('classes/:id/reports/period')
  @Roles('admin', 'district', 'school', 'teacher')
  @ApiOperation({
    summary:
      'A class over school days in [from, to], per student, with chronic absence and the promotion flag (absent > 45 sessions in the school year).',
  })
  @ApiQuery({ name: 'from', required: true })
  @ApiQuery({ name: 'to', required: true })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @json(PeriodReport)
  classPeriod(
    @CurrentCaller() caller: Caller,
    @Param('id') classId: string,
    @Query() query: unknown,
    @Res() res: FileResponse,
  ): Promise<void> {
    return this.period(caller, 'class', classId, query, res);
  }

  private async period(
    caller: Caller,
    level: 'district' | 'school' | 'class',
    entityId: string,
    query: unknown,
    res: FileResponse,
  ): Promise<void> {
    const q = parseBody(PeriodQuery, query);
    const report = await this.reports.period(caller, level, id('id', entityId), q.from, q.to);
    if (q.format === 'json') return res.json(report);
    if (level === 'class')
      await this.audit.record(caller, {
        action: 'export.period_report',
        entity: 'class',
        entityId,
        details: { from: q.from, to: q.to, format: q.format, students: report.rows.length },
      });
    return this.send(res, periodTable(report), q.format);
  }

  private fileHeaders(res: FileResponse, type: string, name: string, ext: string): void {
    res.status(200);
    res.setHeader('content-type', type);
    res.setHeader('content-disposition', `attachment; filename="${name}.${ext}"`);
  }

  private async send<R>(res: FileResponse, table: ReportTable<R>, format: 'csv' | 'xlsx'): Promise<void> {
    if (format === 'csv') {
      this.fileHeaders(res, 'text/csv; charset=utf-8', table.fileName, 'csv');
      return writeCsv(table, res);
    }
    this.fileHeaders(
      res,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      table.fileName,
      'xlsx',
    );
    return writeXlsx(table, res);
  }
}
