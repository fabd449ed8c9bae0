/**
 * Run-once claims for scheduled jobs across server replicas, on PostgreSQL (no extra engine):
 * the first replica to insert `(job, key)` runs it; the others see the row and skip. A claim not
 * finished within its lease (the runner died) may be taken over by another replica.
 */
import type { Database } from '../db/database.service.js';
import { JobRunsRepository } from './job-runs.repository.js';

export class JobLock {
  private readonly runs: JobRunsRepository;

  constructor(
    db: Database,
    private readonly serverId: string,
    private readonly leaseSeconds = 600,
  ) {
    this.runs = new JobRunsRepository(db);
  }

  /** True when this replica now owns `(job, key)` and must run it. */
  claim(job: string, key: string): Promise<boolean> {
    return this.runs.claim(job, key, this.serverId, this.leaseSeconds);
  }

  finish(job: string, key: string, result: unknown): Promise<void> {
    return this.runs.finish(job, key, this.serverId, result);
  }

  /** Give a claim back after a failure so the next tick (here or elsewhere) retries it. */
  release(job: string, key: string): Promise<void> {
    return this.runs.release(job, key, this.serverId);
  }
}
