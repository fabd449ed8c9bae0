/** The `job_runs` table: run-once claims of scheduled jobs, one row per `(job, key)`. */
import { Injectable } from '@nestjs/common';
import { Database } from '../db/database.service.js';

@Injectable()
export class JobRunsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts the claim, or takes over one not finished within `leaseSeconds`; true when
   * `serverId` now holds it.
   */
  async claim(job: string, key: string, serverId: string, leaseSeconds: number): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO job_runs (job, key, server_id) VALUES ($1, $2, $3)
       ON CONFLICT (job, key) DO UPDATE
         SET server_id = EXCLUDED.server_id, started_at = now(), attempts = job_runs.attempts + 1
         WHERE job_runs.finished_at IS NULL AND job_runs.started_at < now() - make_interval(secs => $4)
       RETURNING 1`,
      [job, key, serverId, leaseSeconds],
    );
    return rows.length === 1;
  }

  async finish(job: string, key: string, serverId: string, result: unknown): Promise<void> {
    await this.db.query(
      `UPDATE job_runs SET finished_at = now(), result = $3 WHERE job = $1 AND key = $2 AND server_id = $4`,
      [job, key, JSON.stringify(result), serverId],
    );
  }

  /** Drops an unfinished claim of `serverId`. */
  async release(job: string, key: string, serverId: string): Promise<void> {
    await this.db.query(
      `DELETE FROM job_runs WHERE job = $1 AND key = $2 AND server_id = $3 AND finished_at IS NULL`,
      [job, key, serverId],
    );
  }
}
