import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled jobs run once across replicas: a job and its key (e.g. the absence marking of one
 * school's day) are claimed by inserting this row; a claim whose runner died is taken over after
 * its lease. The table is also the history of what ran, where and when.
 */
export class JobRuns1763900000100 implements MigrationInterface {
  name = 'JobRuns1763900000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_runs (
        job text NOT NULL,
        key text NOT NULL,
        server_id text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        attempts integer NOT NULL DEFAULT 1,
        result jsonb,
        PRIMARY KEY (job, key)
      );
      CREATE INDEX job_runs_unfinished_idx ON job_runs (started_at) WHERE finished_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE job_runs');
  }
}
