import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';
import { dataSourceOptions, runMigrations } from '../src/db/data-source.js';
import { DirectoryService } from '../src/directory/directory.service.js';

describe('database schema', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let directory: DirectoryService;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, { poolSize: 2 })).initialize();
    directory = new DirectoryService(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('migrations are idempotent', async () => {
    expect(await runMigrations(db.url)).toEqual([]);
  });

  it('stores a school with default rules and a student with one active card and its match keys', async () => {
    const d = await directory.createDistrict({ code: 'PGD01', name: 'Phòng GD&ĐT Thành phố Kon Tum' });
    const s = await directory.createSchool({ districtId: d.id, code: 'KT0001', name: 'THCS Lê Lợi' });
    expect(s).toMatchObject({
      timeZone: 'Asia/Ho_Chi_Minh',
      onTimeUntil: '07:00',
      lateUntil: '09:00',
      absenceCutoff: '09:00',
    });
    const c = await directory.createClass({ schoolId: s.id, name: '6A' });
    const st = await directory.createStudent({
      schoolId: s.id,
      classId: c.id,
      studentCode: '8200000012',
      name: 'Y Liên',
    });
    const card = await directory.enrolCard({
      schoolId: s.id,
      studentId: st.id,
      card: 'em4100:40:0415AB36C1',
    });
    const keys = await ds.query('SELECT key FROM card_keys WHERE card_id = $1 ORDER BY bits DESC', [card.id]);
    expect(keys.map((k: { key: string }) => k.key)).toEqual([
      'em4100:40:0415AB36C1',
      'em4100:32:15AB36C1',
      'em4100:24:AB36C1',
    ]);
    // A second card replaces the first: still one active card per student.
    await directory.enrolCard({ schoolId: s.id, studentId: st.id, card: '068,10369' });
    const active = await ds.query(`SELECT text FROM cards WHERE student_id = $1 AND status = 'active'`, [
      st.id,
    ]);
    expect(active).toEqual([{ text: 'em4100:24:442881' }]);
    const orphanKeys = await ds.query('SELECT count(*)::int AS n FROM card_keys WHERE card_id = $1', [
      card.id,
    ]);
    expect(orphanKeys[0].n).toBe(0);
    // The roster trigger bumped the school's version.
    const [v] = await ds.query('SELECT roster_version FROM schools WHERE id = $1', [s.id]);
    expect(v.roster_version).toBeGreaterThan(0);
  });

  it('refuses a second active card for a student at the database level', async () => {
    const [row] = await ds.query(`SELECT school_id, student_id FROM cards WHERE status = 'active' LIMIT 1`);
    await expect(
      ds.query(
        `INSERT INTO cards (school_id, student_id, tech, bits, hex, text) VALUES ($1, $2, 'em4100', 40, '0000000001', 'em4100:40:0000000001')`,
        [row.school_id, row.student_id],
      ),
    ).rejects.toThrow(/cards_one_active_per_student/);
  });
});
