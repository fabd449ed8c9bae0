import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import type { startEmbeddedPostgres } from '@rfid/server';
import { freePort, serverLib, waitFor } from './child.js';

/**
 * One embedded PostgreSQL for a drill run (never DATABASE_URL: the PostgreSQL drill stops and
 * starts it). `stop('fast')` is a clean shutdown, `stop('immediate')` SIGQUITs the postmaster
 * (no checkpoint: crash recovery on the next start). `start()` comes back on the same port and data.
 */
export class DrillPostgres {
  private handle: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  port = 0;
  adminUrl = '';
  private readonly created: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const { startEmbeddedPostgres } = await serverLib();
    this.handle = await startEmbeddedPostgres({ dir: this.dir, log: this.log, port: this.port });
    this.adminUrl = this.handle.adminUrl;
  }

  async stop(mode: 'fast' | 'immediate'): Promise<void> {
    if (!this.handle) return;
    const pidFile = path.join(this.dir, 'postmaster.pid');
    if (mode === 'immediate' && existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        'postgres to exit',
        30_000,
        50,
      );
    } else {
      await this.handle.stop();
    }
    this.handle = null;
  }

  /** A fresh database, migrated. */
  async createDatabase(name: string): Promise<string> {
    const c = new pg.Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    this.created.push(name);
    const u = new URL(this.adminUrl);
    u.pathname = `/${name}`;
    const { runMigrations } = await serverLib();
    await runMigrations(u.toString());
    return u.toString();
  }

  async close(): Promise<void> {
    if (!this.handle) return;
    await this.stop('fast');
  }
}
