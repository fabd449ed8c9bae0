import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A new (or revoked, or moved) gateway needs the school's roster too: same NOTIFY as cards. */
export class RosterOnGatewayChange1763900000001 implements MigrationInterface {
  name = 'RosterOnGatewayChange1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE FUNCTION gateway_roster_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('roster_changed', NEW.school_id::text);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER gateways_roster AFTER INSERT OR UPDATE OF school_id, revoked_at ON gateways
  FOR EACH ROW EXECUTE FUNCTION gateway_roster_changed();
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TRIGGER IF EXISTS gateways_roster ON gateways; DROP FUNCTION IF EXISTS gateway_roster_changed();`,
    );
  }
}
