import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log is append-only for the application: UPDATE and TRUNCATE are refused always;
 * DELETE only inside the retention job's transaction (which sets `rfid.audit_expiry`) and only
 * for entries older than 365 days, so a compromised application cannot erase recent history.
 * (A deployment that wants more runs the application as a role without UPDATE/DELETE on it.)
 */
export class AuditAppendOnly1764300000200 implements MigrationInterface {
  name = 'AuditAppendOnly1764300000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('rfid.audit_expiry', true) = 'on' AND OLD.at < now() - interval '365 days' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $fn$;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TRIGGER audit_log_no_truncate ON audit_log; DROP TRIGGER audit_log_no_update ON audit_log; DROP FUNCTION audit_log_guard()',
    );
  }
}
