import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable delivery of submitted daily reports to the district (#14, `server/src/reports/report-delivery.ts`).
 *
 * `report_deliveries`: one row per report revision (school, date, revision) and target (`webhook`,
 * `email`), written in the transaction that submits or amends the report, so a report is never
 * submitted without its deliveries nor delivered without being submitted. The row carries what is
 * sent (`payload`: the webhook body; `report`: the day as that revision had it, for the XLSX of the
 * e-mail) and the address it goes to as the district had it configured at submission; the webhook
 * secret is read from `districts` when sending (never copied). Worker replicas claim due rows with
 * `FOR UPDATE SKIP LOCKED` and a lease (`locked_by`, `locked_until`); `attempts` counts claims, so a
 * worker that dies mid-send still uses up an attempt. `pending` → `sent`, or `failed` with
 * `last_error` (a permanent refusal, or the 10th attempt).
 */
export class ReportDeliveries1765600000000 implements MigrationInterface {
  name = 'ReportDeliveries1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE report_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL,
  date date NOT NULL,
  revision integer NOT NULL,
  district_id uuid NOT NULL REFERENCES districts(id) ON DELETE CASCADE,
  target text NOT NULL CHECK (target IN ('webhook','email')),
  address text NOT NULL,
  event text NOT NULL CHECK (event IN ('daily_report.submitted','daily_report.amended')),
  payload jsonb NOT NULL,
  report jsonb,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  last_status integer,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  failed_at timestamptz,
  UNIQUE (school_id, date, revision, target),
  FOREIGN KEY (school_id, date) REFERENCES daily_reports (school_id, date) ON DELETE CASCADE
);
CREATE INDEX report_deliveries_due_idx ON report_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX report_deliveries_district_day_idx ON report_deliveries (district_id, date);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE report_deliveries');
  }
}
