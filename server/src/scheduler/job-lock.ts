/**
 * Run-once claims for scheduled jobs across server replicas, on PostgreSQL (no extra engine):
 * the first replica to insert `(job, key)` runs it; the others see the row and skip. A claim not
 * finished within its lease (the runner died) may be taken over by another replica.
 */
import type { Database } from '../db/database.service.js';

export class JobLock {
  constructor(
    private readonly db: Database,
    private readonly serverId: string,
    private readonly leaseSeconds = 600,
  ) {}

  /** True when this replica now owns `(job, key)` and must run it. */
  async claim(job: string, key: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO job_runs (job, key, server_id) VALUES ($1, $2, $3)
       ON CONFLICT (job, key) DO UPDATE
         SET server_id = EXCLUDED.server_id, started_at = now(), attempts = job_runs.attempts + 1
         WHERE job_runs.finished_at IS NULL AND job_runs.started_at < now() - make_interval(secs => $4)
       RETURNING 1`,
      [job, key, this.serverId, this.leaseSeconds],
    );
    return rows.length === 1;
  }

  async finish(job: string, key: string, result: unknown): Promise<void> {
    await this.db.query(
      `UPDATE job_runs SET finished_at = now(), result = $3 WHERE job = $1 AND key = $2 AND server_id = $4`,
      [job, key, JSON.stringify(result), this.serverId],
    );
  }

  /** Give a claim back after a failure so the next tick (here or elsewhere) retries it. */
  async release(job: string, key: string): Promise<void> {
    await this.db.query(
      `DELETE FROM job_runs WHERE job = $1 AND key = $2 AND server_id = $3 AND finished_at IS NULL`,
      [job, key, this.serverId],
    );
  }
}
