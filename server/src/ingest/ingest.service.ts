/**
 * Taps in. Each `…/taps` message is parsed (bad taps aside), checked against its gateway's
 * registered school, queued, and coalesced with others into one transaction (up to
 * `ingestMaxBatch` taps, waiting at most `ingestLingerMs`); at most `ingestConcurrency`
 * transactions run at once and at most `ingestMaxQueued` taps wait, so a slow database slows the
 * MQTT deliveries instead of filling memory. After COMMIT each gateway gets `…/acks` with exactly
 * the ids now durable — the new ones and the ones stored before (a redelivery is acked again).
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { cardLookupKeys, topicFor, MAX_TAPS_PER_MESSAGE, type Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { DevicesService } from '../devices/devices.service.js';
import { MqttClientService } from '../mqtt/mqtt-client.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { LiveService } from '../live/live.service.js';
import { SchoolRulesService } from '../attendance/school-rules.service.js';
import { deadLetterOf, parseTapsMessage, type DeadLetterInput, type ValidTap } from './tap-message.js';
import { TapsRepository } from './taps.repository.js';
import { CardDirectory } from './card-directory.js';
import {
  foldAttendanceDays,
  liveAttendanceOf,
  liveTapsOf,
  outboxEvents,
  prepareTaps,
  type BatchTap,
} from './batch-fold.js';
import { KnownDays } from './known-days.js';

interface PendingMessage {
  schoolId: string | null;
  gatewayId: string | null;
  taps: ValidTap[];
  dead: DeadLetterInput[];
  /** Ids acked after commit (valid taps + dead-lettered taps); empty for refused messages. */
  ackIds: string[];
}

export interface BatchOutcome {
  stored: number;
  duplicates: number;
  deadLetters: number;
}

const SERIALIZATION_RETRIES = 3;
const REFUSED_DEAD_LETTER_EVERY_MS = 60_000;
const FUTURE_TAP_TOLERANCE_MS = 60 * 60_000; // beyond drift: a wrong clock or a wrong zone setting

@Injectable()
export class IngestService implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private queue: PendingMessage[] = [];
  private queuedTaps = 0;
  private inFlight = 0;
  private inFlightTaps = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closing = false;
  private readonly pendingAcks = new Set<Promise<void>>();
  private readonly refusedAt = new Map<string, number>();
  private readonly knownDays = new KnownDays();

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repo: TapsRepository,
    private readonly cards: CardDirectory,
    private readonly devices: DevicesService,
    private readonly schools: SchoolRulesService,
    private readonly mqtt: MqttClientService,
    private readonly metrics: MetricsService,
    private readonly live: LiveService,
  ) {
    this.log = logger.child({ component: 'ingest' });
  }

  onModuleInit(): void {
    this.mqtt.handle('taps', (topic, payload) => this.accept(topic, payload));
  }

  /** Wait for queued and in-flight batches (graceful shutdown; acks still go out). */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.drained();
    await Promise.all([...this.pendingAcks]);
  }

  /** Resolves when nothing is queued or in flight. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    this.flushSoon(true);
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** One MQTT message in. Resolves once it is queued (back-pressure: may wait for room). */
  async accept(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseTapsMessage(topic, payload);
    this.metrics.tapsReceived.inc(parsed.taps.length);
    const msg: PendingMessage = {
      schoolId: parsed.address?.schoolId ?? null,
      gatewayId: parsed.address?.gatewayId ?? null,
      taps: parsed.taps,
      dead: parsed.dead,
      ackIds: [],
    };
    if (parsed.address && (parsed.taps.length || parsed.deadTapIds.length)) {
      const gw = await this.devices.lookup(parsed.address.gatewayId);
      const refuse = (code: 'unknown_gateway' | 'school_mismatch', reason: string) => {
        msg.taps = [];
        // A refused gateway resends every 10 s forever: keep one dead letter per gateway, code and minute.
        const key = `${parsed.address!.gatewayId}|${code}`;
        const now = this.clock.now().getTime();
        if (now - (this.refusedAt.get(key) ?? -Infinity) < REFUSED_DEAD_LETTER_EVERY_MS) {
          msg.dead = [];
          this.metrics.deadLetters.inc({ code: `${code}_repeat` });
          return;
        }
        if (this.refusedAt.size > 10_000) this.refusedAt.clear();
        this.refusedAt.set(key, now);
        this.log.warn({ topic, gatewayId: parsed.address!.gatewayId, code }, reason);
        msg.dead = [deadLetterOf(topic, parsed.address, code, reason, payload.toString('utf8'))];
      };
      if (!gw || gw.revoked)
        refuse('unknown_gateway', `gateway ${parsed.address.gatewayId} is not registered`);
      else if (gw.schoolId !== parsed.address.schoolId)
        refuse(
          'school_mismatch',
          `gateway ${gw.gatewayId} belongs to school ${gw.schoolId}, not ${parsed.address.schoolId}`,
        );
      else msg.ackIds = [...parsed.taps.map((t) => t.id), ...parsed.deadTapIds];
    }
    for (const d of msg.dead)
      this.log.warn({ topic, code: d.code, tapId: d.tapId, reason: d.reason }, 'dead letter');
    while (this.queuedTaps + this.inFlightTaps >= this.config.ingestMaxQueued && !this.closing) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
    this.queue.push(msg);
    this.queuedTaps += msg.taps.length;
    this.metrics.ingestQueued.set(this.queuedTaps);
    this.flushSoon(false);
  }

  private flushSoon(now: boolean): void {
    if (this.inFlight >= this.config.ingestConcurrency) return;
    if (
      now ||
      this.queuedTaps >= this.config.ingestMaxBatch ||
      this.config.ingestLingerMs === 0 ||
      this.closing
    ) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.startBatches();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.startBatches();
      }, this.config.ingestLingerMs);
    }
  }

  private startBatches(): void {
    while (this.inFlight < this.config.ingestConcurrency && this.queue.length > 0) {
      const batch: PendingMessage[] = [];
      let taps = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || taps + this.queue[0]!.taps.length <= this.config.ingestMaxBatch)
      ) {
        const m = this.queue.shift()!;
        batch.push(m);
        taps += m.taps.length;
      }
      this.queuedTaps -= taps;
      this.inFlight++;
      this.inFlightTaps += taps;
      this.metrics.ingestQueued.set(this.queuedTaps);
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.inFlightTaps -= taps;
        for (const w of this.waiters.splice(0)) w();
        if (this.queue.length > 0)
          this.flushSoon(this.queuedTaps >= this.config.ingestMaxBatch || this.closing);
        if (this.queue.length === 0 && this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async runBatch(batch: PendingMessage[]): Promise<void> {
    const started = performance.now();
    const taps = batch.flatMap((m) =>
      m.taps.map((t) => ({ tap: t, schoolId: m.schoolId!, gatewayId: m.gatewayId! })),
    );
    const dead = batch.flatMap((m) => m.dead);
    let result: Awaited<ReturnType<IngestService['commit']>>;
    try {
      result = await this.commitWithRetry(taps, dead);
    } catch (e) {
      this.metrics.ingestFailures.inc();
      this.log.error(
        { err: e, taps: taps.length },
        'ingest transaction failed; nothing acked, gateways will resend',
      );
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    this.metrics.batchSize.observe(taps.length);
    this.metrics.batchSeconds.observe(seconds);
    this.metrics.tapsStored.inc(result.newIds.size);
    this.metrics.tapsDuplicate.inc(taps.length - result.newIds.size);
    for (const d of dead) this.metrics.deadLetters.inc({ code: d.code });
    const committedAt = this.clock.now().getTime();
    for (const t of taps)
      if (result.newIds.has(t.tap.id))
        this.metrics.tapLagSeconds.observe(Math.max(0, committedAt - t.tap.atDate.getTime()) / 1000);
    // Not awaited: the PUBACKs of these publishes arrive on the same connection whose incoming
    // messages may be waiting for queue room (back-pressure), so awaiting here could deadlock.
    const acks = this.publishAcks(batch).finally(() => this.pendingAcks.delete(acks));
    this.pendingAcks.add(acks);
    this.live.emitTaps(result.liveTaps);
    this.live.emitAttendance(result.liveAttendance);
    this.log.debug(
      {
        taps: taps.length,
        stored: result.newIds.size,
        dead: dead.length,
        ms: Math.round(seconds * 1000),
        steps: result.steps,
      },
      'batch committed',
    );
  }

  private async publishAcks(batch: PendingMessage[]): Promise<void> {
    const perTopic = new Map<string, string[]>();
    for (const m of batch) {
      if (!m.ackIds.length || !m.schoolId || !m.gatewayId) continue;
      const topic = topicFor(m.schoolId, m.gatewayId, 'acks');
      const ids = perTopic.get(topic) ?? [];
      ids.push(...m.ackIds);
      perTopic.set(topic, ids);
    }
    await Promise.all(
      [...perTopic].map(async ([topic, all]) => {
        const ids = [...new Set(all)];
        for (let i = 0; i < ids.length; i += MAX_TAPS_PER_MESSAGE * 4) {
          try {
            await this.mqtt.publish(topic, { ids: ids.slice(i, i + MAX_TAPS_PER_MESSAGE * 4) });
          } catch (e) {
            // The taps are stored; the gateway resends them and gets its ack then.
            this.log.warn({ err: e, topic }, 'ack publish failed');
          }
        }
      }),
    );
  }

  private async commitWithRetry(taps: BatchTap[], dead: DeadLetterInput[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(taps, dead);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < SERIALIZATION_RETRIES) continue;
        throw e;
      }
    }
  }

  /** The transaction: taps, attendance, outbox, dead letters. Returns what the live clients get. */
  private async commit(taps: BatchTap[], dead: DeadLetterInput[]) {
    const schoolIds = [...new Set(taps.map((t) => t.schoolId))];
    const schools = await this.schools.get(schoolIds);
    const steps: Record<string, number> = {};
    let mark = performance.now();
    const step = (name: string) => {
      const now = performance.now();
      steps[name] = Math.round((now - mark) * 10) / 10;
      mark = now;
    };
    const result = await this.repo.transaction(async (c) => {
      step('begin');
      // 1. Cards: each school's keys from memory, checked against its roster version (one query);
      //    a school whose keys are not in memory yet is looked up for this batch's reads only.
      const lookupKeys = taps.map((t) => cardLookupKeys(t.tap.cardId));
      const directory = await this.cards.forBatch(
        c,
        taps.map((t, i) => ({ schoolId: t.schoolId, keys: lookupKeys[i]! })),
      );
      step('match');
      // 2. Rows to insert, with their school-local date and direction.
      const rows = prepareTaps(
        taps,
        taps.map((t, i) => CardDirectory.match(directory.get(t.schoolId), lookupKeys[i]!)),
        schools,
      );
      step('prepare');
      const newIds = await this.repo.insertTaps(c, rows);
      step('insert');
      const fresh = rows.filter((r) => newIds.has(r.id));
      // 3. Attendance days of the students of the new taps. A tap stamped in the future comes from
      //    a gateway with a wrong clock (no RTC after a power cut): it is stored, but it cannot
      //    make anyone present today. A tap that cannot change its day (a later IN, an earlier OUT
      //    than this process has seen committed) leaves the day alone.
      const fold = foldAttendanceDays(fresh, {
        latestMs: this.clock.now().getTime() + FUTURE_TAP_TOLERANCE_MS,
        mayChange: (studentId, date, direction, atMs) =>
          this.knownDays.mayChange(studentId, date, direction, atMs),
      });
      for (const r of fold.fromTheFuture) {
        this.metrics.tapsFromTheFuture.inc();
        this.log.warn(
          { tapId: r.id, gatewayId: r.gatewayId, at: r.src.at },
          'tap stamped in the future: stored, not counted for attendance',
        );
      }
      if (fold.skipped) this.metrics.daysSkipped.inc(fold.skipped);
      const attendance = await this.repo.upsertAttendance(c, fold.days);
      step('attendance');
      // 4. Outbox: the first arrival and the first departure of the day, one row per guardian.
      await this.repo.insertOutbox(c, outboxEvents(attendance, newIds));
      await this.repo.insertDeadLetters(c, dead);
      step('outbox');
      // What the live clients get (sent after COMMIT).
      const liveTaps = liveTapsOf(fresh);
      const liveAttendance = liveAttendanceOf(attendance, schools);
      for (const r of fresh) if (!r.cardId) this.metrics.tapsUnknownCard.inc();
      step('live');
      return { newIds, liveTaps, liveAttendance, steps, days: fold.days };
    });
    // Committed: what the days now hold at least (an input that wrote nothing met a day that
    // already had an earlier IN / a later OUT).
    for (const d of result.days)
      this.knownDays.learn(
        d.studentId,
        d.date,
        d.firstIn === null ? null : Date.parse(d.firstIn),
        d.lastOut === null ? null : Date.parse(d.lastOut),
      );
    return result;
  }

  /** For tests and benchmarks: the clock ingest would use. */
  now(): Date {
    return this.clock.now();
  }
}
