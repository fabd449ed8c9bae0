import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import ExcelJS from 'exceljs';
import { Database } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { AuditService } from '../audit/audit.service.js';
import type { Caller } from '../auth/caller.js';
import { StudentDataRepository, type StudentData } from './student-data.repository.js';

/** Sheet titles of the readable export (Vietnamese first: the guardian reads it). */
const SHEETS: [keyof StudentData, string][] = [
  ['guardians', 'Người giám hộ'],
  ['cards', 'Thẻ'],
  ['attendanceDays', 'Điểm danh'],
  ['taps', 'Lượt quẹt thẻ'],
  ['notifications', 'Thông báo'],
  ['accounts', 'Tài khoản'],
  ['auditEntries', 'Nhật ký'],
];

/** Sheet titles of the extension tables (`extraExportQueries`); an unnamed one keeps its key. */
const EXTRA_SHEETS: Record<string, string> = {
  notificationConsents: 'Đồng ý nhận thông báo',
  notificationPreferences: 'Tuỳ chọn thông báo',
  pushSubscriptions: 'Đăng ký thông báo đẩy',
};

function cell(v: unknown): string | number | boolean | Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** A guardian's data request (export) and the erasure of a student, both audited. */
@Injectable()
export class PrivacyService {
  constructor(
    private readonly db: Database,
    private readonly data: StudentDataRepository,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async export(caller: Caller, studentId: string, format: 'json' | 'xlsx'): Promise<Record<string, unknown>> {
    const d = await this.data.read(studentId);
    if (!d) throw new DomainError('not_found', `student ${studentId} not found`);
    await this.audit.record(caller, {
      action: 'student.export',
      entity: 'student',
      entityId: studentId,
      schoolId: d.student.schoolId as string,
      details: { format },
    });
    return { exportedAt: this.clock.now().toISOString(), ...d };
  }

  async xlsx(data: Record<string, unknown>): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const info = wb.addWorksheet('Học sinh');
    info.columns = [
      { header: 'Mục', key: 'k', width: 24 },
      { header: 'Giá trị', key: 'v', width: 48 },
    ];
    for (const [k, v] of Object.entries(data.student as Record<string, unknown>))
      info.addRow({ k, v: cell(v) });
    const extra = (data.extra ?? {}) as Record<string, Record<string, unknown>[]>;
    const sheets: [string, Record<string, unknown>[]][] = [
      ...SHEETS.map(([key, title]): [string, Record<string, unknown>[]] => [title, data[key] as never]),
      ...Object.entries(extra).map(([key, rows]): [string, Record<string, unknown>[]] => [
        EXTRA_SHEETS[key] ?? key,
        rows,
      ]),
    ];
    for (const [title, rows] of sheets) {
      const ws = wb.addWorksheet(title);
      const cols = Object.keys(rows[0] ?? { '(trống)': null });
      ws.columns = cols.map((c) => ({ header: c, key: c, width: Math.max(12, c.length + 2) }));
      for (const r of rows) ws.addRow(Object.fromEntries(cols.map((c) => [c, cell(r[c])])));
      ws.getRow(1).font = { bold: true };
    }
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  async erase(caller: Caller, studentId: string, reason: string): Promise<Record<string, number>> {
    return this.db.transaction(async (c) => {
      const found = await this.data.lockStudent(c, studentId);
      if (!found) throw new DomainError('not_found', `student ${studentId} not found`);
      const counts = await this.data.erase(c, studentId);
      // The entry names the student by id only: the audit log outlives the erased data.
      await this.audit.record(
        caller,
        {
          action: 'student.erase',
          entity: 'student',
          entityId: studentId,
          schoolId: found.schoolId,
          details: { reason, removed: counts },
        },
        c,
      );
      return counts;
    });
  }
}
