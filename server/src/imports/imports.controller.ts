import { Controller, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { DOMAIN_ERROR_STATUS, DomainError } from '../common/domain-error.js';
import { CurrentCaller, Roles } from '../auth/decorators.js';
import { isUuid } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { IMPORT_KINDS, type ImportKind } from './columns.js';
import { XLSX_MIME } from './import-source.js';
import { ZodResponse } from '../common/openapi.js';
import { ImportReportSchema } from '@rfid/protocol';
import { ImportService, type ImportReport } from './import.service.js';

interface ImportResponse {
  status(n: number): ImportResponse;
  json(body: unknown): void;
  setHeader(name: string, value: string): void;
  write(chunk: string): boolean;
  end(): void;
}

interface Upload {
  stream: AsyncIterable<Buffer>;
  filename?: string;
  mimeType?: string;
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller('imports')
@Roles('admin', 'district', 'school')
export class ImportsController {
  constructor(private readonly imports: ImportService) {}

  @Post(':kind')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Import districts | schools | students | cards from CSV (UTF-8, `,` `;` or tab) or XLSX; all-or-nothing, idempotent (key: Mã định danh).',
    description:
      'Body: the file itself (`Content-Type: text/csv` or the XLSX type) or multipart/form-data with a field `file`. ' +
      '`?dryRun=true` → 200 with the report of what would change (created/updated/unchanged, errors with row numbers), nothing written. ' +
      'Without dryRun: 200 with the report when applied; 422 `bad_import` with the same report (and nothing written) when any row is wrong. ' +
      'students columns: Mã trường, Mã định danh, Họ và tên, Ngày sinh, Giới tính, Dân tộc, Lớp, Họ tên cha/mẹ/người giám hộ, Số điện thoại, Số in trên thẻ (or English names). ' +
      'With `Accept: application/x-ndjson` the answer streams one JSON line per 5,000 rows read (`{"progress":{"rows","errors"}}`) and ends with `{"report":…}` or `{"error":{statusCode,message,error,…}}`. ' +
      'cards columns: Mã định danh, Số in trên thẻ. schools: Mã trường, Tên trường, Phòng GD&ĐT (name or code), Cấp học, Giờ vào học, Múi giờ. districts: Mã phòng, Tên phòng giáo dục.',
  })
  @ApiParam({ name: 'kind', enum: IMPORT_KINDS })
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean })
  @ApiQuery({
    name: 'schoolId',
    required: false,
    description: 'students/cards: the school of rows without a Mã trường column',
  })
  @ApiConsumes('text/csv', XLSX_MIME, 'multipart/form-data')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ZodResponse(ImportReportSchema, {
    description: 'The report (or, with Accept: application/x-ndjson, progress lines then the report)',
  })
  async import(
    @CurrentCaller() caller: Caller,
    @Param('kind') kind: string,
    @Query('dryRun') dryRun: string | undefined,
    @Query('schoolId') schoolId: string | undefined,
    @Req() req: IncomingMessage,
    @Res() res: ImportResponse,
  ): Promise<void> {
    if (!(IMPORT_KINDS as string[]).includes(kind))
      throw new DomainError('not_found', `no import of "${kind}" (${IMPORT_KINDS.join(', ')})`);
    if (dryRun !== undefined && !['true', 'false', '1', '0', ''].includes(dryRun))
      throw new DomainError('bad_request', 'dryRun: true or false');
    if (schoolId !== undefined && !isUuid(schoolId))
      throw new DomainError('bad_request', 'schoolId: not a UUID');
    const upload = await uploadOf(req);
    const opts = {
      dryRun: dryRun === 'true' || dryRun === '1' || dryRun === '',
      schoolId,
      filename: upload.filename,
      mimeType: upload.mimeType,
    };
    if (!String(req.headers.accept ?? '').includes('application/x-ndjson')) {
      const report: ImportReport = await this.imports.importFile(
        caller,
        kind as ImportKind,
        upload.stream,
        opts,
      );
      res.status(200).json(report);
      return;
    }
    // Progress lines while the rows stream in; the status is 200 from the start, the last line tells the outcome.
    res.status(200).setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    const line = (o: unknown) => res.write(`${JSON.stringify(o)}\n`);
    try {
      const report = await this.imports.importFile(caller, kind as ImportKind, upload.stream, {
        ...opts,
        onProgress: (p) => line({ progress: p }),
      });
      line({ report });
    } catch (e) {
      line({
        error:
          e instanceof DomainError
            ? { ...e.details, statusCode: DOMAIN_ERROR_STATUS[e.code], message: e.message, error: e.code }
            : { statusCode: 500, message: 'internal error', error: 'internal' },
      });
    }
    res.end();
  }
}

/** The uploaded file as a stream: the body itself, or the first file of a multipart form. */
function uploadOf(req: IncomingMessage): Promise<Upload> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/json') || type.startsWith('application/x-www-form-urlencoded')) {
    return Promise.reject(
      new DomainError(
        'bad_request',
        'send the file as text/csv, as the XLSX type, or as multipart/form-data (field "file")',
      ),
    );
  }
  if (!type.startsWith('multipart/form-data'))
    return Promise.resolve({ stream: req as AsyncIterable<Buffer>, mimeType: type.split(';')[0] });
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1 } });
    } catch (e) {
      reject(new DomainError('bad_request', `bad multipart body: ${(e as Error).message}`));
      return;
    }
    let got = false;
    bb.on('file', (_field: string, stream: Readable, info: { filename: string; mimeType: string }) => {
      if (got) {
        stream.resume();
        return;
      }
      got = true;
      resolve({ stream, filename: info.filename, mimeType: info.mimeType });
    });
    bb.on('error', (e: unknown) =>
      reject(new DomainError('bad_request', `bad multipart body: ${(e as Error).message}`)),
    );
    bb.on('close', () => {
      if (!got) reject(new DomainError('bad_request', 'the form has no file (field "file")'));
    });
    req.pipe(bb);
  });
}
