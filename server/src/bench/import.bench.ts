/**
 * Runnable benchmark: `node server/dist/bench/import.bench.js [--rows 50000] [--database-url URL]`
 * prints `{"name":"import_students","value":<s>,"unit":"s","rows":…,"rowsPerSecond":…}`.
 * Without --database-url an embedded PostgreSQL runs in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from '../server.js';
import { freePort } from '../db/embedded-postgres.js';
import { benchImport } from './import-bench.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    schools: { type: 'string', default: '80' },
    'database-url': { type: 'string' },
  },
});
const dataDir = mkdtempSync(path.join(tmpdir(), 'rfid-import-bench-'));
const password = 'bench-province-operator';
const server = await createServer({
  databaseUrl: values['database-url'],
  dataDir,
  httpPort: 0,
  httpHost: '127.0.0.1',
  mqttHost: '127.0.0.1',
  mqttPort: await freePort(),
  mqttsPort: null,
  logLevel: 'warn',
  adminPassword: password,
});
try {
  const login = await fetch(`${server.httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const t = await benchImport(server.httpUrl, accessToken, Number(values.rows), Number(values.schools));
  if (t.status !== 200)
    throw new Error(`import failed: ${t.status} ${JSON.stringify(t.report).slice(0, 500)}`);
  process.stdout.write(
    `${JSON.stringify({ name: 'import_students', value: Math.round(t.seconds * 100) / 100, unit: 's', rows: t.rows, rowsPerSecond: Math.round(t.rowsPerSecond), created: t.report.created })}\n`,
  );
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
