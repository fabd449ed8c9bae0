import type { SqlClient } from '../db/database.service.js';

/**
 * Enrolment periods are written by triggers on `students` (see the reports migration), whatever
 * path changes a student. The day a period opens or closes is the school-local date of the
 * instant this sets for the transaction: the server's injected clock, not the database's.
 */
export async function useClockForEnrolments(client: SqlClient, now: Date): Promise<void> {
  await client.query(`SELECT set_config('rfid.now', $1, true)`, [now.toISOString()]);
}
