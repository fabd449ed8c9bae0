/** A drill's verdict: what the terminals were told against what PostgreSQL holds (taps and outbox rows). */
import pg from 'pg';
import type { DrillResult } from './rig.js';

/** What the rig recorded while the rush ran. */
export interface RushTally {
  name: string;
  tapsPlanned: number;
  /** `${terminal}#${seq}` of taps answered OK or UNKNOWN. */
  acked: Set<string>;
  noAck: Set<string>;
  dupAnswers: number;
  errAnswers: number;
  outboxTargets: Map<string, string[]>;
  started: number;
  setupSeconds: number;
  rushSeconds: number;
  extra: Record<string, unknown>;
}

export async function verifyDrill(databaseUrl: string, tally: RushTally, faults: number, drainSeconds: number): Promise<DrillResult> {
  const c = new pg.Client({ connectionString: databaseUrl });
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
    const natural = new Map<string, number>();
    const bySeq = new Map<string, number>();
    const ids = new Set<string>();
    for (const t of taps) {
      ids.add(t.id);
      const nk = `${t.gateway_id}|${t.terminal}|${t.card}|${t.at.toISOString()}`;
      natural.set(nk, (natural.get(nk) ?? 0) + 1);
      const seq = t.raw.split(',')[1];
      const sk = `${t.terminal}#${seq}`;
      bySeq.set(sk, (bySeq.get(sk) ?? 0) + 1);
    }
    const duplicates = taps.length - natural.size + (taps.length - ids.size);
    const splitTaps = [...bySeq.values()].reduce((a, n) => a + n - 1, 0);
    const lostKeys = [...tally.acked].filter((k) => !bySeq.has(k));
    const unexpected = [...bySeq.keys()].filter((k) => !tally.acked.has(k) && !tally.noAck.has(k));
    const noAckStored = [...tally.noAck].filter((k) => bySeq.has(k)).length;

    // Notifications due: per student, local day and event (check_in from a tap in, check_out
    // from a tap out), one row per guardian channel; and what the outbox holds.
    const due = new Set<string>();
    for (const t of taps) {
      if (!t.student_id) continue;
      const event = t.direction === 'out' ? 'check_out' : 'check_in';
      for (const target of tally.outboxTargets.get(t.student_id) ?? [])
        due.add(`${t.student_id}|${t.local_date}|${event}|${target}`);
    }
    const rows = new Map<string, number>();
    for (const r of outbox) {
      const k = `${r.student_id}|${r.local_date}|${r.event}|${r.guardian_id}|${r.channel}`;
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
      name: `drill_${tally.name}`,
      value: lost,
      unit: 'lost',
      ok,
      taps_planned: tally.tapsPlanned,
      taps_sent: tally.acked.size,
      taps_stored: taps.length,
      lost,
      duplicates,
      split_taps: splitTaps,
      unexpected: unexpected.length,
      dup_answers: tally.dupAnswers,
      no_ack: tally.noAck.size,
      no_ack_stored: noAckStored,
      err_answers: tally.errAnswers,
      outbox_due: due.size,
      outbox_rows: outbox.length,
      outbox_missing: outboxMissing,
      outbox_duplicates: outboxDuplicates,
      outbox_unexpected: outboxUnexpected,
      notifications:
        'no sender exists yet: notifications sent = due is checked as outbox rows = due, each (student, day, event, guardian, channel) exactly once',
      faults,
      seconds: Math.round((performance.now() - tally.started) / 100) / 10,
      setup_seconds: Math.round(tally.setupSeconds * 10) / 10,
      rush_seconds: Math.round(tally.rushSeconds * 10) / 10,
      drain_seconds: Math.round(drainSeconds * 10) / 10,
    };
    Object.assign(result, tally.extra);
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
              (t) =>
                `${t.id} ${t.terminal} ${t.direction} ${t.at.toISOString()} seq ${t.raw.split(',')[1]}`,
            ),
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
