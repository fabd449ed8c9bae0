/**
 * What a drill counts after its faults: what the terminals were told against what PostgreSQL
 * holds (every acknowledged tap stored exactly once, no tap split under two ids) and the outbox
 * (each student, day, event and guardian exactly once).
 */
import pg from 'pg';
import type { RushPlan, SimulatedAdmsTerminal } from '@rfid/firmware-sim';

/** What a drill measured; `value` is the number of lost taps. */
export interface DrillResult {
  name: string;
  value: number;
  unit: 'lost';
  ok: boolean;
  taps_planned: number;
  /** Taps the terminals were answered OK or UNKNOWN: each must be stored exactly once. */
  taps_sent: number;
  taps_stored: number;
  lost: number;
  duplicates: number;
  /** Stored rows beyond one per (gateway, terminal, terminal seq): a tap stored twice under two ids. */
  split_taps: number;
  /** Stored taps the terminals were never told OK/UNKNOWN for (allowed only for NO_ACK taps). */
  unexpected: number;
  /** Answered DUP (a repeat within the gateway's window: not a tap). */
  dup_answers: number;
  /** Terminal gave up (no ACK after its 5 tries): never acknowledged, so not lost; stored or not. */
  no_ack: number;
  no_ack_stored: number;
  err_answers: number;
  outbox_due: number;
  outbox_rows: number;
  outbox_missing: number;
  outbox_duplicates: number;
  outbox_unexpected: number;
  notifications: string;
  faults: number;
  seconds: number;
  drain_seconds: number;
  [extra: string]: unknown;
}

/** The rig's bookkeeping of the rush, as `verifyDrill` reads it. */
export interface VerifyInput {
  databaseUrl: string;
  name: string;
  plan: RushPlan;
  /** `terminal#seq` (smart) or `terminal#ATTLOG line` (ADMS) answered OK or UNKNOWN. */
  acked: Set<string>;
  noAck: Set<string>;
  admsTerminals: SimulatedAdmsTerminal[];
  outboxTargets: Map<string, string[]>;
  counts: { dupAnswers: number; errAnswers: number; admsPunches: number; admsUnregistered: number };
  faults: number;
  seconds: number;
  setupSeconds: number;
  rushSeconds: number;
  drainSeconds: number;
  extra: Record<string, unknown>;
}

export async function verifyDrill(v: VerifyInput): Promise<DrillResult> {
  const { faults, drainSeconds, acked, noAck } = v;
  const c = new pg.Client({ connectionString: v.databaseUrl });
  await c.connect();
  try {
    const { rows: taps } = await c.query<{
      id: string;
      gateway_id: string;
      terminal: string;
      card: string;
      raw: string;
      at: Date;
      student_id: string | null;
      local_date: string;
      direction: string | null;
    }>(`SELECT id, gateway_id, terminal, card, raw, at, student_id, local_date::text, direction FROM taps`);
    const { rows: outbox } = await c.query<{
      student_id: string;
      guardian_id: string | null;
      channel: string;
      event: string;
      local_date: string | null;
      tap_id: string | null;
      created_at: Date;
      received_at: Date | null;
    }>(
      `SELECT o.student_id, o.guardian_id, o.channel, o.event, t.local_date::text AS local_date,
              o.tap_id, o.created_at, t.received_at
         FROM notification_outbox o LEFT JOIN taps t ON t.id = o.tap_id`,
    );
    // Taps.
    // ADMS taps are known by their ATTLOG line (PIN, terminal time), smart taps by their TAP seq.
    const admsIds = new Set(v.admsTerminals.map((t) => t.id));
    for (const t of v.admsTerminals) for (const line of t.acknowledgedLines()) acked.add(`${t.id}#${line}`);
    const natural = new Map<string, number>();
    const bySeq = new Map<string, number>();
    const ids = new Set<string>();
    for (const t of taps) {
      ids.add(t.id);
      const nk = `${t.gateway_id}|${t.terminal}|${t.card}|${t.at.toISOString()}`;
      natural.set(nk, (natural.get(nk) ?? 0) + 1);
      const sk = admsIds.has(t.terminal) ? `${t.terminal}#${t.raw}` : `${t.terminal}#${t.raw.split(',')[1]}`;
      bySeq.set(sk, (bySeq.get(sk) ?? 0) + 1);
    }
    const duplicates = taps.length - natural.size + (taps.length - ids.size);
    const splitTaps = [...bySeq.values()].reduce((a, n) => a + n - 1, 0);
    const lostKeys = [...acked].filter((k) => !bySeq.has(k));
    const unexpected = [...bySeq.keys()].filter((k) => !acked.has(k) && !noAck.has(k));
    const noAckStored = [...noAck].filter((k) => bySeq.has(k)).length;

    // Notifications due: per student, local day and event (check_in from a tap in, check_out
    // from a tap out), one row per guardian; and what the outbox holds.
    const due = new Set<string>();
    for (const t of taps) {
      if (!t.student_id) continue;
      const event = t.direction === 'out' ? 'check_out' : 'check_in';
      for (const target of v.outboxTargets.get(t.student_id) ?? [])
        due.add(`${t.student_id}|${t.local_date}|${event}|${target}`);
    }
    const rows = new Map<string, number>();
    for (const r of outbox) {
      const k = `${r.student_id}|${r.local_date}|${r.event}|${r.guardian_id}`;
      rows.set(k, (rows.get(k) ?? 0) + 1);
    }
    const outboxMissing = [...due].filter((k) => !rows.has(k)).length;
    const outboxUnexpected = [...rows.keys()].filter((k) => !due.has(k)).length;
    const outboxDuplicates = [...rows.values()].reduce((a, n) => a + n - 1, 0);

    const lost = lostKeys.length;
    const ok =
      lost === 0 &&
      duplicates === 0 &&
      splitTaps === 0 &&
      unexpected.length === 0 &&
      outboxMissing === 0 &&
      outboxDuplicates === 0 &&
      outboxUnexpected === 0;
    const result: DrillResult = {
      name: `drill_${v.name}`,
      value: lost,
      unit: 'lost',
      ok,
      taps_planned: v.plan.taps.length,
      taps_sent: acked.size,
      taps_stored: taps.length,
      lost,
      duplicates,
      split_taps: splitTaps,
      unexpected: unexpected.length,
      dup_answers: v.counts.dupAnswers,
      no_ack: noAck.size,
      no_ack_stored: noAckStored,
      err_answers: v.counts.errAnswers,
      outbox_due: due.size,
      outbox_rows: outbox.length,
      outbox_missing: outboxMissing,
      outbox_duplicates: outboxDuplicates,
      outbox_unexpected: outboxUnexpected,
      notifications:
        'outbox rows = due, each (student, day, event, guardian) exactly once; the drill guardians have no consent, so the worker skips them (counting messages the provider stand-ins received is still to do)',
      faults,
      seconds: Math.round(v.seconds * 10) / 10,
      setup_seconds: Math.round(v.setupSeconds * 10) / 10,
      rush_seconds: Math.round(v.rushSeconds * 10) / 10,
      drain_seconds: Math.round(drainSeconds * 10) / 10,
      adms_terminals: v.admsTerminals.length,
      adms_punches: v.counts.admsPunches,
      adms_unregistered: v.counts.admsUnregistered,
      adms_lines_repushed_or_retried: v.admsTerminals.reduce((a, t) => a + t.stats.pushFailures, 0),
    };
    Object.assign(result, v.extra);
    if (outboxDuplicates) {
      // Which student-days got a notification twice, with their taps: the evidence for a report.
      const doubled = [...rows].filter(([, n]) => n > 1).slice(0, 3);
      result.outbox_duplicate_examples = doubled.map(([k, n]) => {
        const [studentId, date, event] = k.split('|');
        return {
          event,
          rows: n,
          outbox: outbox
            .filter((o) => `${o.student_id}|${o.local_date}|${o.event}|${o.guardian_id}|${o.channel}` === k)
            .map(
              (o) =>
                `tap ${o.tap_id} written ${o.created_at.toISOString()}, tap received ${o.received_at?.toISOString()}`,
            ),
          taps: taps
            .filter((t) => t.student_id === studentId && t.local_date === date)
            .map(
              (t) => `${t.id} ${t.terminal} ${t.direction} ${t.at.toISOString()} seq ${t.raw.split(',')[1]}`,
            ),
        };
      });
    }
    if (outboxMissing) {
      result.outbox_missing_examples = [...due]
        .filter((k) => !rows.has(k))
        .slice(0, 4)
        .map((k) => {
          const [studentId, date, event] = k.split('|');
          const theirs = taps.filter((t) => t.student_id === studentId && t.local_date === date);
          return {
            event,
            taps: theirs.map((t) => `${t.terminal} ${t.direction} ${t.at.toISOString()} ${t.id}`),
            outbox: outbox
              .filter((o) => o.student_id === studentId)
              .map((o) => `${o.event} ${o.channel} ${o.tap_id}`),
          };
        });
    }
    if (lost) result.lost_examples = lostKeys.slice(0, 5);
    if (unexpected.length) result.unexpected_examples = unexpected.slice(0, 5);
    return result;
  } finally {
    await c.end();
  }
}
