/**
 * The notification worker: drains the outbox in any number of replicas at once. A round claims due
 * rows (row locks that skip locked rows, plus a lease in the row: `locked_by`, `locked_until`), reads what the
 * policy needs in two queries, lets the policy decide each row, calls the chosen channels within
 * their limits (the notification id is the provider's idempotency key), and writes the outcomes
 * as the sends return, a few milliseconds' worth per statement (`outcome-writer.ts`). Woken by
 * `LISTEN notification_due` (a statement trigger on the outbox) and a fallback poll for retries
 * that fall due. A worker that dies mid-round leaves leases that expire;
 * the next claim repeats the provider call with the same id, which the provider dedupes.
 *
 * The loop pipelines its rounds: while one round's messages are with the providers, the next batch
 * is claimed and prepared (up to `PIPELINE_DEPTH` rounds in flight), so the per-provider limiters
 * stay full instead of idling through each claim and each outcome write. Each round holds its own
 * rows' leases, so rounds in flight never share a row; the SQL lives in `notifications.repository.ts`.
 */
import pg from 'pg';
import type { Clock } from '@rfid/protocol';
import type { ServerConfig } from '../config/config.js';
import type { Database } from '../db/database.service.js';
import type { Logger } from '../logger.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import {
  rulesFromRow,
  SCHOOL_RULES_COLUMNS,
  type SchoolRules,
  type SchoolRulesRow,
} from '../attendance/attendance-rules.js';
import type { ChannelName, OutgoingMessage, Recipient, SendResult } from './channels/channel.js';
import type { ChannelRegistry } from './channel-registry.js';
import { consentedChannels } from './consent.js';
import type { ClaimedRow, NotificationsRepository, Outcome } from './notifications.repository.js';
import { OutcomeWriter } from './outcome-writer.js';
import {
  backoffMs,
  decide,
  decideStaff,
  type Decision,
  type PolicyConfig,
  type PolicyInput,
} from './policy.js';
import { enrolledOn, schoolDaySql } from '../calendar/enrolment.sql.js';
import { preferenceList } from './preferences.js';
import { isStaffEvent, render, renderStaff } from './templates.js';

interface Context {
  guardian_id: string;
  g_name: string;
  phone: string | null;
  email: string | null;
  zalo_id: string | null;
  channels: string[];
  opted_out_events: string[];
  user_id: string | null;
}

/** What the policy needs about an absence alert's student and day (`absentDays`). */
interface AbsenceFacts {
  attendance: { status: string; firstIn: Date | null } | null;
  calendar: { schoolDay: boolean; enrolled: boolean };
}

function absenceInput(f: AbsenceFacts | undefined): Pick<PolicyInput, 'attendance' | 'calendar'> {
  // No facts: the student or the school is gone; treat as not enrolled (nothing is sent).
  if (!f) return { attendance: null, calendar: { schoolDay: true, enrolled: false } };
  return f;
}

export interface WorkerStats {
  claimed: number;
  sent: number;
  delivered: number;
  retried: number;
  failed: number;
  skipped: number;
  held: number;
}

export class NotificationWorker {
  private readonly log: Logger;
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = true;
  private wake: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private round: Promise<WorkerStats> | null = null;
  private readonly policy: PolicyConfig;

  constructor(
    readonly id: string,
    private readonly db: Database,
    private readonly repo: NotificationsRepository,
    private readonly channels: ChannelRegistry,
    private readonly config: ServerConfig,
    private readonly clock: Clock,
    private readonly metrics: MetricsService | null,
    logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.log = logger.child({ component: 'notify-worker', worker: id });
    this.policy = {
      maxAgeMin: config.notifyMaxAgeMin,
      quietHours: config.notifyQuietHours,
      giveUpAfterMin: config.notifyGiveUpAfterMin,
    };
  }

  /** Start draining: LISTEN, then rounds until no row is due, then wait for a NOTIFY or the poll. */
  async start(): Promise<void> {
    if (!this.closed) return;
    this.closed = false;
    await this.listen();
    this.timer = setInterval(() => this.kick(), this.config.notifyPollMs);
    this.timer.unref();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.kick();
    await this.loop?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }

  /** Wake the loop (a NOTIFY, the poll, a test after moving the clock). */
  kick(): void {
    this.woken = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Rounds in flight at once in the loop: one sending while the next is claimed and prepared. */
  static readonly PIPELINE_DEPTH = 3;

  /** The loop's rounds in flight. */
  private readonly inFlight = new Set<Promise<void>>();

  private async run(): Promise<void> {
    const inFlight = this.inFlight;
    // A round that finishes kicks the loop when it left rows due again at once (a fallback to the
    // next channel) or was a full batch (more may be waiting behind it).
    const track = (rows: ClaimedRow[], now: Date) => {
      const p: Promise<void> = this.process(rows, now)
        .then((s) => {
          if (s.requeued) this.kick();
        })
        .catch((e: unknown) => {
          this.log.error({ err: e }, 'notification round failed; its leases expire and it is retried');
        })
        .finally(() => {
          inFlight.delete(p);
          this.kick();
        });
      inFlight.add(p);
    };
    while (!this.closed) {
      this.woken = false;
      if (inFlight.size >= NotificationWorker.PIPELINE_DEPTH) {
        await this.sleep(inFlight);
        continue;
      }
      let claimed: number;
      try {
        const now = this.clock.now();
        const rows = await this.repo.claim(this.id, now, this.config.notifyLeaseMs, this.config.notifyBatch);
        claimed = rows.length;
        if (claimed > 0) track(rows, now);
      } catch (e) {
        this.log.error({ err: e }, 'notification claim failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (claimed >= this.config.notifyBatch || this.woken || this.closed) continue;
      await this.sleep(inFlight);
    }
    await Promise.all(inFlight);
  }

  /** Until a NOTIFY, the poll, a kick, or a round in flight finishing. */
  private async sleep(inFlight: Set<Promise<void>>): Promise<void> {
    if (this.woken) return;
    const woke = new Promise<void>((r) => (this.wake = r));
    await Promise.race([woke, ...inFlight]);
  }

  /** One round (one at a time per worker). */
  drainOnce(): Promise<WorkerStats> {
    this.round ??= this.doRound().finally(() => (this.round = null));
    return this.round;
  }

  /** Rounds until nothing is due (tests; the loop does this by itself). */
  async drainAll(maxRounds = 1000): Promise<WorkerStats> {
    const total: WorkerStats = {
      claimed: 0,
      sent: 0,
      delivered: 0,
      retried: 0,
      failed: 0,
      skipped: 0,
      held: 0,
    };
    // A round already under way read the clock before this call: let it finish, then start afresh.
    await this.round?.catch(() => undefined);
    await Promise.all(this.inFlight);
    for (let i = 0; i < maxRounds; i++) {
      const s = await this.drainOnce();
      for (const k of Object.keys(total) as (keyof WorkerStats)[]) total[k] += s[k];
      if (s.claimed > 0) continue;
      // Rows the loop holds in its own rounds: wait for them, then look again.
      if (this.inFlight.size === 0) break;
      await Promise.all(this.inFlight);
    }
    return total;
  }

  private async doRound(): Promise<WorkerStats> {
    const now = this.clock.now();
    const rows = await this.repo.claim(this.id, now, this.config.notifyLeaseMs, this.config.notifyBatch);
    const { requeued: _requeued, ...stats } = await this.process(rows, now);
    return stats;
  }

  /** Decide, send and record one claimed batch; `requeued`: rows left due again at once. */
  private async process(rows: ClaimedRow[], now: Date): Promise<WorkerStats & { requeued: boolean }> {
    const stats: WorkerStats & { requeued: boolean } = {
      claimed: 0,
      sent: 0,
      delivered: 0,
      retried: 0,
      failed: 0,
      skipped: 0,
      held: 0,
      requeued: false,
    };
    stats.claimed = rows.length;
    if (rows.length === 0) return stats;
    const end = this.metrics?.notifyRoundSeconds.startTimer();
    const guardianIds = [...new Set(rows.map((r) => r.guardian_id).filter((g): g is string => g !== null))];
    const schoolIds = [...new Set(rows.map((r) => r.school_id))];
    const [contexts, schools, students, consents, attendance] = await Promise.all([
      this.db.query<Context>(
        `SELECT id AS guardian_id, name AS g_name, phone, email, zalo_id, channels, opted_out_events, user_id FROM guardians WHERE id = ANY($1::uuid[])`,
        [guardianIds],
      ),
      this.db.query<SchoolRulesRow & { id: string; name: string }>(
        `SELECT id, name, ${SCHOOL_RULES_COLUMNS} FROM schools WHERE id = ANY($1::uuid[])`,
        [schoolIds],
      ),
      this.db.query<{ id: string; name: string; class_name: string | null }>(
        `SELECT s.id, s.name, c.name AS class_name FROM students s LEFT JOIN classes c ON c.id = s.class_id WHERE s.id = ANY($1::uuid[])`,
        [[...new Set(rows.map((r) => r.student_id).filter((s): s is string => s !== null))]],
      ),
      consentedChannels(this.db.pool, guardianIds, now),
      this.absentDays(rows),
    ]);
    const gById = new Map(contexts.map((c) => [c.guardian_id, c]));
    const sById = new Map(schools.map((s) => [s.id, { name: s.name, rules: rulesFromRow(s) }]));
    const stById = new Map(students.map((s) => [s.id, s]));

    // Outcomes are written as they come (a few milliseconds' worth per statement), not once the
    // round's slowest send returns: a crash between "the provider accepted" and "we recorded it"
    // resends only what was in that short window (with the same id, which the provider dedupes).
    const outcomes = new OutcomeWriter((batch) => this.repo.finish(this.id, batch));
    const sends: Promise<void>[] = [];
    const settle = (o: Outcome) => {
      outcomes.push(o);
      if (o.status === 'sent') stats.sent++;
      else if (o.status === 'delivered') stats.delivered++;
      else if (o.status === 'failed') stats.failed++;
      else if (o.nextAttemptAt === null) stats.requeued = true;
      else stats.retried++;
    };
    for (const row of rows) {
      const g = row.guardian_id ? gById.get(row.guardian_id) : undefined;
      const school = sById.get(row.school_id);
      const student = row.student_id ? stById.get(row.student_id) : undefined;
      const base: Outcome = {
        id: row.id,
        status: 'pending',
        channel: null,
        tried: null,
        attempted: false,
        nextAttemptAt: null,
        sentAt: null,
        deliveredAt: null,
        error: null,
        providerMessageId: null,
        text: null,
      };
      if (row.staff_alert_id !== null && school && isStaffEvent(row.event)) {
        // A staff alert: to the school's webhook (staff-alerts.ts decides what and when).
        const recipient: Recipient = {
          guardianId: '',
          name: school.name,
          phone: null,
          email: null,
          zaloId: null,
          schoolId: row.school_id,
          audience: 'staff',
        };
        const webhook = this.channels.get('webhook');
        const reachable = webhook
          ? await Promise.resolve(webhook.canReach(recipient)).catch(() => false)
          : false;
        const d = decideStaff(
          {
            day: row.day,
            createdAt: row.created_at,
            attempts: row.attempts,
            timeZone: school.rules.timeZone,
            reachable,
          },
          now,
          this.policy,
        );
        if (d.kind === 'send') {
          const r = renderStaff({
            event: row.event,
            schoolName: school.name,
            at: row.event_at,
            day: row.day ?? row.event_at.toISOString().slice(0, 10),
            timeZone: school.rules.timeZone,
            details: row.params,
          });
          const message: OutgoingMessage = {
            id: row.id,
            event: row.event,
            locale: 'vi',
            title: r.title,
            text: r.text,
            params: r.params,
            recipient,
          };
          sends.push(
            this.send(d.channel, message).then((result) =>
              settle(this.outcome(base, row, d.channel, result, message.text, now)),
            ),
          );
        } else if (d.kind === 'skip') {
          outcomes.push({ ...base, status: 'skipped', error: d.reason });
          stats.skipped++;
        } else if (d.kind === 'fail') {
          outcomes.push({ ...base, status: 'failed', error: d.reason });
          stats.failed++;
        }
        continue;
      }
      if (!g || !school || !student) {
        outcomes.push({ ...base, status: 'skipped', error: 'no_channel' });
        stats.skipped++;
        continue;
      }
      const recipient: Recipient = {
        guardianId: g.guardian_id,
        name: g.g_name,
        phone: g.phone,
        email: g.email,
        zaloId: g.zalo_id,
        schoolId: row.school_id,
        userId: g.user_id,
      };
      const preference = preferenceList(g);
      const available = new Set<ChannelName>();
      for (const name of preference) {
        const ch = this.channels.get(name);
        if (ch && (await Promise.resolve(ch.canReach(recipient)).catch(() => false))) available.add(name);
      }
      const decision: Decision = decide(
        {
          event: row.event,
          day: row.day,
          eventAt: row.event_at,
          createdAt: row.created_at,
          attempts: row.attempts,
          channelsTried: row.channels_tried,
          preference,
          consented: consents.get(g.guardian_id) ?? new Set(),
          optedOut: new Set(g.opted_out_events),
          available,
          school: school.rules,
          ...(row.event === 'absent' ? absenceInput(attendance.get(`${row.student_id}|${row.day}`)) : {}),
          resend: row.resend_of !== null,
        },
        now,
        this.policy,
      );
      if (decision.kind === 'skip') {
        outcomes.push({ ...base, status: 'skipped', error: decision.reason });
        stats.skipped++;
        this.metrics?.notifyOutcomes.inc({ channel: 'none', outcome: `skipped_${decision.reason}` });
      } else if (decision.kind === 'fail') {
        outcomes.push({
          ...base,
          status: 'failed',
          error: row.channels_tried.length
            ? `${decision.reason} (tried ${row.channels_tried.join(', ')})`
            : decision.reason,
        });
        stats.failed++;
        this.metrics?.notifyOutcomes.inc({ channel: 'none', outcome: 'failed' });
      } else if (decision.kind === 'hold') {
        outcomes.push({ ...base, nextAttemptAt: decision.until, error: decision.reason });
        stats.held++;
      } else {
        const message = this.message(row, recipient, school, student);
        sends.push(
          this.send(decision.channel, message).then((result) =>
            settle(this.outcome(base, row, decision.channel, result, message.text, now)),
          ),
        );
      }
    }
    await Promise.all(sends);
    const { total, written } = await outcomes.close();
    // Rows settled meanwhile (a delivery report that outran us, or a lease that expired and was taken).
    if (written < total)
      this.log.debug({ settled: total - written }, 'outcomes not written: the rows were settled meanwhile');
    end?.();
    return stats;
  }

  /**
   * For the students of absence alerts on their day: their attendance, and — by the reports' own
   * SQL (`school_day()`, `enrolments`) — whether that day is a school day of their school and
   * whether they were enrolled in it that day. Read when the message is about to go, so a holiday
   * declared, an excuse or a tap recorded after the absence job still stops it.
   */
  private async absentDays(rows: ClaimedRow[]): Promise<Map<string, AbsenceFacts>> {
    const abs = rows.filter(
      (r): r is ClaimedRow & { student_id: string; day: string } =>
        r.event === 'absent' && r.day !== null && r.student_id !== null,
    );
    if (abs.length === 0) return new Map();
    const r = await this.db.query<{
      student_id: string;
      date: string;
      status: string | null;
      first_in: Date | null;
      school_day: boolean;
      enrolled: boolean;
    }>(
      `SELECT x.student_id, x.date::text AS date, a.status, a.first_in,
              ${schoolDaySql('s', 'x.date')} AS school_day,
              EXISTS (SELECT 1 FROM enrolments e WHERE e.student_id = x.student_id AND e.school_id = x.school_id
                         AND ${enrolledOn('e', 'x.date')}) AS enrolled
         FROM unnest($1::uuid[], $2::date[], $3::uuid[]) AS x(student_id, date, school_id)
         JOIN schools s ON s.id = x.school_id
         LEFT JOIN attendance_days a ON a.student_id = x.student_id AND a.date = x.date`,
      [abs.map((x) => x.student_id), abs.map((x) => x.day), abs.map((x) => x.school_id)],
    );
    return new Map(
      r.map((x) => [
        `${x.student_id}|${x.date}`,
        {
          attendance: x.status === null ? null : { status: x.status, firstIn: x.first_in },
          calendar: { schoolDay: x.school_day, enrolled: x.enrolled },
        },
      ]),
    );
  }

  private message(
    row: ClaimedRow,
    recipient: Recipient,
    school: { name: string; rules: SchoolRules },
    student: { name: string; class_name: string | null },
  ): OutgoingMessage {
    const r = render({
      event: row.event,
      studentName: student.name,
      className: student.class_name ?? '',
      schoolName: school.name,
      at: row.event_at,
      day: row.day ?? row.event_at.toISOString().slice(0, 10),
      timeZone: school.rules.timeZone,
      late: row.params.late === true,
    });
    return {
      id: row.id,
      event: row.event,
      locale: 'vi',
      title: r.title,
      text: r.text,
      params: r.params,
      recipient,
    };
  }

  private async send(name: ChannelName, message: OutgoingMessage): Promise<SendResult> {
    const channel = this.channels.get(name)!;
    const limiter = this.channels.limiter(name)!;
    const end = this.metrics?.notifySendSeconds.startTimer({ channel: name });
    try {
      return await limiter.run(() =>
        channel.send(message, AbortSignal.timeout(this.config.notifySendTimeoutMs)),
      );
    } catch (e) {
      return { outcome: 'retry', error: `channel_error: ${(e as Error).message}`.slice(0, 300) };
    } finally {
      end?.();
    }
  }

  private outcome(
    base: Outcome,
    row: ClaimedRow,
    channel: ChannelName,
    result: SendResult,
    text: string,
    now: Date,
  ): Outcome {
    this.metrics?.notifyOutcomes.inc({ channel, outcome: result.outcome });
    const o: Outcome = { ...base, channel, attempted: true };
    switch (result.outcome) {
      case 'sent':
        return {
          ...o,
          status: 'sent',
          sentAt: now,
          providerMessageId: result.providerMessageId ?? null,
          text,
        };
      case 'delivered':
        return { ...o, status: 'delivered', sentAt: now, deliveredAt: now, text };
      case 'retry': {
        const attempts = row.attempts + 1;
        if (attempts >= this.config.notifyMaxAttempts)
          return { ...o, status: 'failed', error: `max_attempts: ${result.error}` };
        const delay = backoffMs(
          attempts,
          this.config.notifyBackoffBaseMs,
          this.config.notifyBackoffMaxMs,
          this.random,
          result.retryAfterMs,
        );
        return { ...o, nextAttemptAt: new Date(now.getTime() + delay), error: result.error };
      }
      case 'failed':
        // For this guardian only: the next channel of their list, at once (the policy picks it or fails).
        if (result.forRecipient) return { ...o, tried: channel, error: result.error };
        return { ...o, status: 'failed', error: result.error };
    }
  }

  private async listen(): Promise<void> {
    const opts = this.db.pool.options;
    const client = new pg.Client({
      ...opts,
      connectionString: (opts as { connectionString?: string }).connectionString,
    });
    client.on('notification', () => this.kick());
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'notification listener lost its connection; reconnecting');
      this.listener = null;
      if (!this.closed)
        setTimeout(
          () =>
            void this.listen().catch((e: unknown) =>
              this.log.error({ err: e }, 'notification listener reconnect failed'),
            ),
          1000,
        ).unref();
    });
    await client.connect();
    await client.query('LISTEN notification_due');
    this.listener = client;
    this.kick(); // whatever became due while we were not listening
  }
}
