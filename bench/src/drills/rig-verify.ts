/**
 * What a drill counts after its faults: what the terminals were told against what PostgreSQL
 * holds (every acknowledged tap stored exactly once, no tap split under two ids) and the outbox
 * (each student, day, event and guardian exactly once).
 */
import pg from 'pg';
import type { RushPlan, SimulatedAdmsTerminal } from '@rfid/firmware-sim';
import type { ProviderSims } from '@rfid/provider-sim';
import type { DrillChannel } from './rig-seed.js';

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
  /** (student, day, event, guardian) whose guardian a stand-in must hear from: exactly one message each. */
  messages_due: number;
  /** Distinct messages the stand-ins received (ZNS, eSMS, SMTP, Web Push), once per idempotency key. */
  messages_received: number;
  /** Due with no message at any stand-in. */
  messages_lost: number;
  /**
   * Messages beyond one per (student, day, event, guardian) (or one notification at two
   * providers). A request repeating an idempotency key is the same message (`provider_repeats`):
   * a retry after a kill between the provider's answer and our update.
   */
  messages_doubled: number;
  /** Messages to a guardian nothing may reach, or with an id that is no outbox row. */
  messages_unexpected: number;
  /** Messages at another stand-in than the guardian's first reachable channel (no fallback is due in a drill). */
  messages_wrong_channel: number;
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
  expectedChannel: Map<string, DrillChannel | null>;
  sims: ProviderSims;
  counts: { dupAnswers: number; errAnswers: number; admsPunches: number; admsUnregistered: number };
  faults: number;
  seconds: number;
  setupSeconds: number;
  rushSeconds: number;
  drainSeconds: number;
  notifySeconds: number;
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
      id: string;
      status: string;
      error: string | null;
      student_id: string;
      guardian_id: string | null;
      channel: string;
      event: string;
      local_date: string | null;
      tap_id: string | null;
      created_at: Date;
      received_at: Date | null;
    }>(
      `SELECT o.id, o.status, o.last_error AS error, o.student_id, o.guardian_id, o.channel, o.event, t.local_date::text AS local_date,
              o.tap_id, o.created_at, t.received_at
         FROM notification_outbox o LEFT JOIN taps t ON t.id = o.tap_id
        WHERE o.staff_alert_id IS NULL`,
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

    const m = countMessages(v, outbox, due);

    const lost = lostKeys.length;
    const ok =
      lost === 0 &&
      duplicates === 0 &&
      splitTaps === 0 &&
      unexpected.length === 0 &&
      outboxMissing === 0 &&
      outboxDuplicates === 0 &&
      outboxUnexpected === 0 &&
      m.lost === 0 &&
      m.doubled === 0 &&
      m.unexpected === 0 &&
      m.wrongChannel === 0;
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
      messages_due: m.due,
      messages_received: m.received,
      messages_lost: m.lost,
      messages_doubled: m.doubled,
      messages_unexpected: m.unexpected,
      messages_wrong_channel: m.wrongChannel,
      messages_by_channel: m.byChannel,
      provider_repeats: m.repeats,
      zalo_token_refreshes: v.sims.zalo.refreshes,
      zalo_refused_refreshes: v.sims.zalo.refusedRefreshes,
      outbox_status: m.statuses,
      notifications:
        'outbox rows = due, each (student, day, event, guardian) exactly once; and what the provider stand-ins received: one message per (student, day, event, guardian) a channel reaches, none to the others',
      faults,
      seconds: Math.round(v.seconds * 10) / 10,
      setup_seconds: Math.round(v.setupSeconds * 10) / 10,
      rush_seconds: Math.round(v.rushSeconds * 10) / 10,
      drain_seconds: Math.round(drainSeconds * 10) / 10,
      notify_settle_seconds: Math.round(v.notifySeconds * 10) / 10,
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
    if (m.examples.length) result.message_examples = m.examples;
    if (lost) result.lost_examples = lostKeys.slice(0, 5);
    if (unexpected.length) result.unexpected_examples = unexpected.slice(0, 5);
    return result;
  } finally {
    await c.end();
  }
}

/** The notification id a stand-in's idempotency key stands for (SMTP `Message-ID`, push `Topic`). */
function notificationIdOf(channel: DrillChannel, key: string): string {
  if (channel === 'email') return key.split('@')[0]!;
  if (channel === 'push' && /^[0-9a-f]{32}$/i.test(key))
    return `${key.slice(0, 8)}-${key.slice(8, 12)}-${key.slice(12, 16)}-${key.slice(16, 20)}-${key.slice(20)}`;
  return key;
}

interface OutboxRow {
  id: string;
  status: string;
  error: string | null;
  student_id: string;
  guardian_id: string | null;
  event: string;
  local_date: string | null;
}

/**
 * What the provider stand-ins received against what is due: per (student, day, event, guardian),
 * exactly one message at the guardian's expected stand-in, or none when nothing reaches them.
 */
function countMessages(v: VerifyInput, outbox: OutboxRow[], due: Set<string>) {
  const keyOfRow = new Map<string, string>();
  for (const r of outbox) keyOfRow.set(r.id, `${r.student_id}|${r.local_date}|${r.event}|${r.guardian_id}`);
  const received = new Map<string, DrillChannel[]>();
  const byChannel: Record<DrillChannel, number> = { zalo: 0, sms: 0, email: 0, push: 0 };
  const repeats: Record<DrillChannel, number> = { zalo: 0, sms: 0, email: 0, push: 0 };
  const strays: string[] = [];
  const sims = v.sims;
  const all: [DrillChannel, { key: string; requests: number }[]][] = [
    ['zalo', sims.zalo.messages()],
    ['sms', sims.esms.messages()],
    ['email', sims.smtp.messages()],
    ['push', sims.push.messages()],
  ];
  for (const [channel, messages] of all)
    for (const msg of messages) {
      byChannel[channel]++;
      repeats[channel] += msg.requests - 1;
      const k = keyOfRow.get(notificationIdOf(channel, msg.key));
      if (!k) {
        strays.push(`${channel} ${msg.key}`);
        continue;
      }
      received.set(k, [...(received.get(k) ?? []), channel]);
    }
  let dueCount = 0;
  let lost = 0;
  let doubled = 0;
  let unexpected = strays.length;
  let wrongChannel = 0;
  const examples: string[] = [];
  const note = (what: string, k: string) => {
    if (examples.length >= 6) return;
    const rows = outbox.filter((r) => keyOfRow.get(r.id) === k);
    examples.push(`${what}: ${k} → ${rows.map((r) => `${r.id} ${r.status} ${r.error ?? ''}`).join('; ')}`);
  };
  for (const k of due) {
    const guardian = k.split('|')[3]!;
    const want = v.expectedChannel.get(guardian) ?? null;
    const got = received.get(k) ?? [];
    if (want === null) {
      unexpected += got.length;
      if (got.length) note('unexpected', k);
      continue;
    }
    dueCount++;
    if (got.length === 0) {
      lost++;
      note('lost', k);
    }
    if (got.length > 1) {
      doubled += got.length - 1;
      note('doubled', k);
    }
    const wrong = got.filter((ch) => ch !== want).length;
    if (wrong) note(`wrong channel (want ${want}, got ${got.join('+')})`, k);
    wrongChannel += wrong;
  }
  for (const k of received.keys())
    if (!due.has(k)) {
      unexpected += received.get(k)!.length;
      note('not due', k);
    }
  examples.push(...strays.slice(0, 3).map((x) => `no outbox row: ${x}`));
  const statuses: Record<string, number> = {};
  for (const r of outbox) {
    const s =
      r.error && r.status !== 'sent' && r.status !== 'delivered'
        ? `${r.status}:${r.error.split(':')[0]}`
        : r.status;
    statuses[s] = (statuses[s] ?? 0) + 1;
  }
  const total = Object.values(byChannel).reduce((a, n) => a + n, 0);
  return {
    due: dueCount,
    received: total,
    lost,
    doubled,
    unexpected,
    wrongChannel,
    byChannel,
    repeats,
    statuses,
    examples,
  };
}
