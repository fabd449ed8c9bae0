/**
 * Report benchmarks on a province-sized data set generated in SQL (364 schools, 150,000 students,
 * a month of school days of attendance): the district's day (all 364 schools in one district, the
 * worst case), the province's day (the same schools over 10 districts) and the district's month,
 * each through the HTTP API, each beside a plain `SELECT count(*)` over the same rows in the same
 * run (ratio = report / count). Goals: 200 ms, 500 ms, 2 s.
 *   node bench/dist/reports.bench.js [--quick]   (--quick: 36 schools, 15,000 students)
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { report, round } from './figure.js';
import { adminToken, startBenchDatabase, startBenchServer } from './support.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const SCHOOLS = values.quick ? 36 : 364;
const STUDENTS = values.quick ? 15_000 : 150_000;
const CLASSES_PER_SCHOOL = 12;
const DAY = '2026-11-27';
const MONTH = { from: '2026-11-01', to: '2026-11-30' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn(); // warm-up (plans, caches)
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const db = await startBenchDatabase();
try {
  const url = await db.create();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  await c.query(
    `INSERT INTO districts (code, name) SELECT 'D' || g, 'Phòng GD&ĐT số ' || g FROM generate_series(0, 9) g`,
  );
  await c.query(
    `INSERT INTO schools (district_id, code, name, school_days, starts_on)
     SELECT (SELECT id FROM districts WHERE code = 'D0'), 'S' || lpad(g::text, 4, '0'), 'Trường THCS số ' || g, '{1,2,3,4,5}', '2026-09-05' FROM generate_series(1, $1) g`,
    [SCHOOLS],
  );
  await c.query(
    `INSERT INTO classes (school_id, name, grade) SELECT s.id, (6 + k % 4) || 'A' || k, 6 + k % 4 FROM schools s, generate_series(1, $1) k`,
    [CLASSES_PER_SCHOOL],
  );
  await c.query(
    `INSERT INTO students (school_id, class_id, student_code, name)
     SELECT school_id, id, 'HS' || n, 'Nguyễn Văn ' || n FROM (
       SELECT c.school_id, c.id, row_number() OVER () AS n FROM classes c, generate_series(1, $1) k) x
      WHERE n <= $2`,
    [Math.ceil(STUDENTS / (SCHOOLS * CLASSES_PER_SCHOOL)), STUDENTS],
  );
  // A month of school days: 3 % without a row (absent), the rest present/late/excused/absent.
  await c.query(
    `INSERT INTO attendance_days (student_id, date, school_id, class_id, status, first_in)
     SELECT s.id, d::date, s.school_id, s.class_id, st, CASE WHEN st IN ('present','late') THEN d + time '06:45' + (r * interval '40 min') END
       FROM students s
       CROSS JOIN generate_series($1::date, $2::date, interval '1 day') d
       CROSS JOIN LATERAL (SELECT random() AS r) x
       CROSS JOIN LATERAL (SELECT CASE WHEN x.r < 0.88 THEN 'present' WHEN x.r < 0.94 THEN 'late' WHEN x.r < 0.96 THEN 'excused' WHEN x.r < 0.97 THEN 'absent' END AS st) y
      WHERE extract(isodow FROM d) <= 5 AND y.st IS NOT NULL`,
    [MONTH.from, MONTH.to],
  );
  await c.query('VACUUM ANALYZE');
  const seeded = Number(
    (await c.query<{ n: string }>('SELECT count(*) AS n FROM attendance_days')).rows[0]!.n,
  );
  process.stderr.write(
    `bench reports: seeded ${SCHOOLS} schools, ${STUDENTS} students, ${seeded} attendance days in ${round((performance.now() - t0) / 1000, 1)} s\n`,
  );

  const server = await startBenchServer(url, { schedulerIntervalMs: 0 });
  try {
    const token = await adminToken(server.httpUrl);
    const get = async (p: string) => {
      const res = await fetch(`${server.httpUrl}/api/v1${p}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const districtId = (await c.query<{ id: string }>(`SELECT id FROM districts WHERE code = 'D0'`)).rows[0]!
      .id;
    const count = (sql: string, params: unknown[]) => () => c.query(sql, params);
    // The rows a day's report reads: the day's enrolments of the schools in scope and their attendance.
    const dayRows = (cond: string) =>
      `SELECT count(*) FROM enrolments e JOIN schools s ON s.id = e.school_id
         LEFT JOIN attendance_days a ON a.student_id = e.student_id AND a.date = $1::date
        WHERE ${cond} AND e.from_date <= $1::date AND $1::date < e.to_date`;

    const figure = async (
      name: string,
      goalMs: number,
      run: () => Promise<unknown>,
      baseline: () => Promise<unknown>,
      runs: number,
      extra: Record<string, unknown>,
    ) => {
      const ms = await timed(run, runs);
      const base = await timed(baseline, runs);
      report({
        name,
        value: round(ms, 1),
        unit: 'ms',
        goalMs,
        baselineMs: round(base, 1),
        ratio: round(ms / base, 2),
        schools: SCHOOLS,
        students: STUDENTS,
        ...extra,
      });
    };

    await figure(
      'report_district_day',
      200,
      () => get(`/districts/${districtId}/reports/daily?date=${DAY}`),
      count(dayRows('s.district_id = $2'), [DAY, districtId]),
      7,
      { date: DAY },
    );
    await figure(
      'report_district_month',
      2000,
      () => get(`/districts/${districtId}/reports/period?from=${MONTH.from}&to=${MONTH.to}`),
      count(
        `SELECT count(*) FROM attendance_days a JOIN schools s ON s.id = a.school_id WHERE s.district_id = $1 AND a.date BETWEEN $2 AND $3`,
        [districtId, MONTH.from, MONTH.to],
      ),
      3,
      MONTH,
    );
    // The province: the same schools spread over 10 districts.
    await c.query(
      `UPDATE schools s SET district_id = d.id FROM districts d WHERE d.code = 'D' || (substr(s.code, 2)::int % 10)`,
    );
    await figure(
      'report_province_day',
      500,
      () => get(`/reports/daily?date=${DAY}`),
      count(dayRows('TRUE'), [DAY]),
      7,
      { date: DAY, districts: 10 },
    );
  } finally {
    await server.close();
    await c.end();
  }
} finally {
  await db.stop();
}
