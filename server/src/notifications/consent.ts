/**
 * Consent: per guardian and channel, recorded append-only (who recorded it, when, how); the latest
 * record at a given instant is in force. `consentInForce` is THE consent check: the worker uses it
 * before anything leaves, privacy (export/erasure/retention) uses the same function and query.
 */
import type { SqlClient } from '../db/database.service.js';
import { CHANNEL_NAMES, type ChannelName } from './channels/channel.js';

export const CONSENT_METHODS = [
  'paper_form',
  'in_person',
  'phone_call',
  'parent_app',
  'import',
  'seed',
] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export interface ConsentRecord {
  guardianId: string;
  channel: ChannelName;
  granted: boolean;
  at: Date;
  recordedBy: string | null;
  method: ConsentMethod;
  note: string | null;
}

/** The channels a guardian has agreed to at `at`: the latest record per channel not after `at` wins. */
export function consentInForce(
  records: readonly Pick<ConsentRecord, 'channel' | 'granted' | 'at'>[],
  at: Date,
): Set<ChannelName> {
  const latest = new Map<ChannelName, { granted: boolean; t: number; i: number }>();
  records.forEach((r, i) => {
    const t = r.at.getTime();
    if (t > at.getTime()) return;
    const cur = latest.get(r.channel);
    if (!cur || t > cur.t || (t === cur.t && i > cur.i)) latest.set(r.channel, { granted: r.granted, t, i });
  });
  return new Set([...latest].filter(([, v]) => v.granted).map(([c]) => c));
}

/** Every consent record of these guardians, oldest first (read; the history a guardian can export). */
export async function consentRecords(c: SqlClient, guardianIds: readonly string[]): Promise<ConsentRecord[]> {
  if (guardianIds.length === 0) return [];
  const r = await c.query<{
    guardian_id: string;
    channel: ChannelName;
    granted: boolean;
    at: Date;
    recorded_by: string | null;
    method: ConsentMethod;
    note: string | null;
  }>(
    `SELECT guardian_id, channel, granted, at, recorded_by, method, note FROM notification_consents
      WHERE guardian_id = ANY($1::uuid[]) ORDER BY guardian_id, at, id`,
    [guardianIds],
  );
  return r.rows.map((x) => ({
    guardianId: x.guardian_id,
    channel: x.channel,
    granted: x.granted,
    at: x.at,
    recordedBy: x.recorded_by,
    method: x.method,
    note: x.note,
  }));
}

/** Consent in force at `at` for each guardian (guardians without any record map to an empty set). */
export async function consentedChannels(
  c: SqlClient,
  guardianIds: readonly string[],
  at: Date,
): Promise<Map<string, Set<ChannelName>>> {
  const out = new Map<string, Set<ChannelName>>(guardianIds.map((g) => [g, new Set()]));
  const byGuardian = new Map<string, ConsentRecord[]>();
  for (const r of await consentRecords(c, guardianIds))
    byGuardian.set(r.guardianId, [...(byGuardian.get(r.guardianId) ?? []), r]);
  for (const [g, recs] of byGuardian) out.set(g, consentInForce(recs, at));
  return out;
}

export function isChannelName(s: string): s is ChannelName {
  return (CHANNEL_NAMES as readonly string[]).includes(s);
}
