/**
 * One simulated attendance terminal: a reader model (CONTRACT §1) on a link. It turns `tap(card)`
 * into the bytes the real device sends, with its timing (RDM6300 repeats while the card is held,
 * smart terminals wait for their ACK and resend), and prints what its display and buzzer do.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { ReadlineParser } from 'serialport';
import {
  DEFAULT_TIME_ZONE,
  cardToText,
  decodeSmartGatewayLine,
  SMART_SEQ_MODULO,
  systemClock,
  zonedTime,
  type AckResult,
  type ByteOrder,
  type CardId,
  type CardTech,
  type Clock,
  type TerminalFormat,
  type WiegandBits,
} from '@rfid/protocol';
import { cardFromInput } from './cards.js';
import { SimError } from './errors.js';
import {
  corruptFrame,
  cutFrame,
  FaultState,
  noiseBurst,
  type Fault,
  type FaultRates,
  type FrameFault,
} from './faults.js';
import { cardAsRead, encodeHeartbeat, encodeRead, type ReaderModel } from './frames.js';
import type { LinkOptions, TerminalLink } from './links/link.js';
import { openPtyLink } from './links/pty-link.js';
import { SerialLink } from './links/serial-link.js';
import { TcpLink } from './links/tcp-link.js';
import { defaultLogger } from './logger.js';
import { deriveSeed, SeededRandom } from './rng.js';

export interface TerminalOptions {
  /** Terminal id, as the gateway config names it. */
  id: string;
  kind: TerminalFormat;
  link: LinkOptions;
  /** decimal10 / smart / wiegand-34: which cards the reader reads. Default `em4100`. */
  tech?: CardTech;
  /** decimal10 with Mifare cards: how the UID is printed. */
  byteOrder?: ByteOrder;
  /** wiegand: 26 (default) or 34. */
  wiegandBits?: WiegandBits;
  /** smart: firmware version sent in heartbeats. Default `sim-0.1.0`. */
  firmware?: string;
  /** rdm6300: how long a card stays in the field. Default 300 ms (three frames). 0 = one frame. */
  holdMs?: number;
  /** rdm6300: frame repeat interval while the card is in the field. Default 100 ms. */
  repeatEveryMs?: number;
  /** smart: heartbeat interval; 0 = none. Default 10 000 ms. */
  heartbeatMs?: number;
  /** smart: how long to wait for an ACK before resending. Default 1000 ms. */
  ackTimeoutMs?: number;
  /** smart: sends of one TAP before giving up. Default 5. */
  maxTries?: number;
  /** smart: first sequence number after power-up. Default 0. */
  firstSeq?: number;
  /**
   * Taps handled at once. Default 1: a reader serves one card at a time and the next student
   * waits (a queue forms at the gate). Raise it for load tests that want TAPs in flight together.
   */
  maxInFlight?: number;
  /** Version byte for EM cards known only by a printed number (see `widenToEm40`). */
  versionByte?: number;
  /** Wall clock shown on the display. Default the system clock. */
  clock?: Clock;
  /** IANA zone of the school, for the display clock. Default `Asia/Ho_Chi_Minh`. */
  timeZone?: string;
  logger?: Logger;
  /** Random faults per frame during runs (seeded). */
  faults?: FaultRates;
}

/** How a gateway config names this terminal (CONTRACT §1: `{ id, source, format }`). */
export interface GatewayTerminalConfig {
  id: string;
  source: string;
  format: TerminalFormat;
  tech?: CardTech;
  byteOrder?: ByteOrder;
}

/** A smart terminal got its ACK. */
export interface AckOutcome {
  result: AckResult;
  text: string;
  tries: number;
  latencyMs: number;
  seq: number;
  card: CardId;
}
/** A smart terminal gave up after `maxTries` sends. */
export interface NoAckOutcome {
  result: 'NO_ACK';
  tries: number;
  latencyMs: number;
  seq: number;
  card: CardId;
}
/**
 * A read-only terminal put its frame(s) on the line (`SENT`), or none reached a gateway because
 * nobody was connected or the terminal was silent (`DROPPED`).
 */
export interface SentOutcome {
  result: 'SENT' | 'DROPPED';
  frames: number;
  latencyMs: number;
  card: CardId;
}
export type TapOutcome = AckOutcome | NoAckOutcome | SentOutcome;
export type TapResult = TapOutcome['result'];

/** What went on the wire (or would have, when `delivered` is false). */
export interface SentEvent {
  terminal: string;
  what: 'tap' | 'repeat' | 'heartbeat' | 'noise';
  bytes: Buffer;
  delivered: boolean;
  /** The card as the decoder should report it (tap/repeat). */
  card?: CardId;
  seq?: number;
  fault?: FrameFault;
}

export type Buzzer = 'beep' | 'double-beep' | 'long-beep' | 'error-beeps';

/** What the display and buzzer do. */
export interface DisplayEvent {
  terminal: string;
  text: string;
  buzzer: Buzzer;
  /** `MSG`: an unasked text from the gateway (a `display` command), shown for `seconds`. */
  result: AckResult | 'NO_ACK' | 'MSG';
  seconds?: number;
  /** The terminal's own clock, `HH:MM` (wrong when a `clock` fault is injected). */
  clock: string;
}

export interface AckEvent {
  terminal: string;
  seq: number;
  result: AckResult;
  text: string;
  /** Whether a pending TAP was waiting for it (false: a late or repeated ACK). */
  matched: boolean;
}

export interface TerminalStats {
  taps: number;
  framesSent: number;
  framesDropped: number;
  bytesSent: number;
  faultyFrames: number;
  noiseBursts: number;
  heartbeats: number;
  resends: number;
  acks: Record<AckResult, number>;
  noAck: number;
  lateAcks: number;
  badLines: number;
  /** `MSG` display lines received. */
  messages: number;
  gatewayConnects: number;
  /** Taps waiting for the reader right now. */
  queued: number;
  inFlight: number;
}

const BUZZER: Record<AckResult, Buzzer> = {
  OK: 'beep',
  DUP: 'double-beep',
  UNKNOWN: 'long-beep',
  ERR: 'error-beeps',
};

export class SimulatedTerminal extends EventEmitter {
  readonly id: string;
  readonly kind: TerminalFormat;
  readonly stats: TerminalStats = {
    taps: 0,
    framesSent: 0,
    framesDropped: 0,
    bytesSent: 0,
    faultyFrames: 0,
    noiseBursts: 0,
    heartbeats: 0,
    resends: 0,
    acks: { OK: 0, DUP: 0, UNKNOWN: 0, ERR: 0 },
    noAck: 0,
    lateAcks: 0,
    badLines: 0,
    messages: 0,
    gatewayConnects: 0,
    queued: 0,
    inFlight: 0,
  };
  /** The same emitter, named for readers of the API: `terminal.events.on('display', …)`. */
  readonly events: EventEmitter = this;

  private readonly model: ReaderModel;
  private readonly faults: FaultState;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly timeZone: string;
  private readonly opts: Required<
    Pick<
      TerminalOptions,
      'holdMs' | 'repeatEveryMs' | 'heartbeatMs' | 'ackTimeoutMs' | 'maxTries' | 'firmware' | 'maxInFlight'
    >
  >;
  private nextSeq: number;
  private readonly pendingAcks = new Map<number, (ack: { result: AckResult; text: string }) => void>();
  private readonly waiting: (() => void)[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Wakes every pending delay / ACK wait, so `close()` never leaves a tap hanging. */
  private readonly wakers = new Set<() => void>();
  private closed = false;

  constructor(
    options: TerminalOptions,
    private readonly link: TerminalLink,
  ) {
    super();
    this.id = options.id;
    this.kind = options.kind;
    this.model = {
      kind: options.kind,
      tech: options.tech,
      byteOrder: options.byteOrder,
      wiegandBits: options.wiegandBits,
      versionByte: options.versionByte,
    };
    this.opts = {
      holdMs: options.holdMs ?? 300,
      repeatEveryMs: options.repeatEveryMs ?? 100,
      heartbeatMs: options.heartbeatMs ?? 10_000,
      ackTimeoutMs: options.ackTimeoutMs ?? 1000,
      maxTries: options.maxTries ?? 5,
      firmware: options.firmware ?? 'sim-0.1.0',
      maxInFlight: options.maxInFlight ?? 1,
    };
    for (const [name, value] of Object.entries(this.opts)) {
      if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) {
        throw new SimError('bad_option', `terminal ${this.id}: ${name} must be a number ≥ 0, got ${value}`);
      }
    }
    if (this.opts.maxTries < 1 || this.opts.maxInFlight < 1 || this.opts.repeatEveryMs < 1) {
      throw new SimError(
        'bad_option',
        `terminal ${this.id}: maxTries, maxInFlight and repeatEveryMs must be ≥ 1`,
      );
    }
    this.nextSeq = (options.firstSeq ?? 0) % SMART_SEQ_MODULO;
    this.clock = options.clock ?? systemClock;
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    this.log = (options.logger ?? defaultLogger()).child({
      component: 'terminal',
      terminal: this.id,
      kind: this.kind,
    });
    const rates = options.faults ?? {};
    this.faults = new FaultState(rates, new SeededRandom(rates.seed ?? deriveSeed(0, this.id)), () =>
      performance.now(),
    );

    if (this.kind === 'smart') {
      const lines = new ReadlineParser({ delimiter: '\n', encoding: 'latin1' });
      lines.on('data', (line: string) => this.onGatewayLine(line));
      link.on('data', (chunk: Buffer) => {
        if (!this.faults.silent) lines.write(chunk);
      });
      link.on('connect', () => void this.sendHeartbeat());
      if (this.opts.heartbeatMs > 0) {
        this.heartbeatTimer = setInterval(() => void this.sendHeartbeat(), this.opts.heartbeatMs);
        this.heartbeatTimer.unref();
      }
    }
    link.on('connect', () => {
      this.stats.gatewayConnects++;
      this.emit('connect');
    });
    link.on('disconnect', () => this.emit('disconnect'));
  }

  /** `source` for the gateway's terminal config: `serial:/dev/pts/7?baud=9600` or `tcp://127.0.0.1:PORT`. */
  get gatewaySource(): string {
    return this.link.gatewaySource;
  }

  /** This terminal's entry in a gateway config (`terminals[]`): `{ id, source, format, tech?, byteOrder? }`. */
  gatewayConfig(): GatewayTerminalConfig {
    return {
      id: this.id,
      source: this.gatewaySource,
      format: this.kind,
      ...(this.model.tech ? { tech: this.model.tech } : {}),
      ...(this.model.byteOrder ? { byteOrder: this.model.byteOrder } : {}),
    };
  }

  get linkType(): LinkOptions['type'] {
    return this.link.type;
  }

  /** Whether a gateway can hear the terminal now (TCP: one is connected). */
  get connected(): boolean {
    return this.link.connected;
  }

  waitForGateway(timeoutMs = 10_000): Promise<boolean> {
    return this.link.waitForGateway(timeoutMs);
  }

  /** The card as the gateway's decoder will report it for this terminal. */
  cardAsRead(card: CardId | string): CardId {
    return cardAsRead(this.model, cardFromInput(card));
  }

  /**
   * A card touches the reader. Resolves when the terminal is done with it: smart terminals on the
   * ACK (or after giving up), RDM6300 when the card has left the field, others once written.
   * Taps beyond `maxInFlight` wait their turn. Rejects only for a card this reader cannot read.
   */
  async tap(input: CardId | string): Promise<TapOutcome> {
    if (this.closed) throw new SimError('link_closed', `terminal ${this.id} is closed`);
    const card = this.cardAsRead(input);
    this.stats.taps++;
    await this.acquire();
    try {
      const started = performance.now();
      if (this.kind === 'smart') return await this.tapSmart(card, started);
      return await this.tapReadOnly(card, started);
    } finally {
      this.release();
    }
  }

  /** Apply a fault now (see `Fault`). */
  inject(fault: Fault): void {
    this.log.info({ fault }, 'fault injected');
    this.faults.apply(fault);
    if (fault.type === 'noise') void this.sendNoise(fault.bytes);
    if (fault.type === 'clock') {
      this.log.warn(
        { offsetMs: fault.offsetMs },
        'terminal clock is wrong: only its display shows it (smart lines carry no time)',
      );
    }
  }

  /** Whether a `silent` fault is in force. */
  get silent(): boolean {
    return this.faults.silent;
  }

  /** The terminal's own clock (its display), including a `clock` fault's offset. */
  terminalTime(): Date {
    return new Date(this.clock.now().getTime() + this.faults.clockOffsetMs);
  }

  /** Stop heartbeats and timers, give up pending TAPs, close the link (kills socat, closes sockets). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const wake of [...this.wakers]) wake();
    for (const resolve of this.waiting.splice(0)) resolve();
    await this.link.close();
  }

  // --- reading a card ---------------------------------------------------------------------------

  private async tapReadOnly(card: CardId, started: number): Promise<SentOutcome> {
    const frames =
      this.kind === 'rdm6300' ? Math.max(1, Math.ceil(this.opts.holdMs / this.opts.repeatEveryMs)) : 1;
    let delivered = 0;
    for (let i = 0; i < frames && !this.closed; i++) {
      if (i > 0) await this.delay(this.opts.repeatEveryMs);
      if (await this.sendFrame(encodeRead(this.model, card), i === 0 ? 'tap' : 'repeat', card)) delivered++;
    }
    return {
      result: delivered > 0 ? 'SENT' : 'DROPPED',
      frames: delivered,
      latencyMs: performance.now() - started,
      card,
    };
  }

  private async tapSmart(card: CardId, started: number): Promise<AckOutcome | NoAckOutcome> {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) % SMART_SEQ_MODULO;
    let ack: { result: AckResult; text: string } | undefined;
    const acked = new Promise<{ result: AckResult; text: string }>((resolve) =>
      this.pendingAcks.set(seq, resolve),
    );
    let tries = 0;
    try {
      while (tries < this.opts.maxTries && !this.closed) {
        tries++;
        if (tries > 1) this.stats.resends++;
        await this.sendFrame(encodeRead(this.model, card, seq), 'tap', card, seq);
        ack = await this.raceTimeout(acked, this.opts.ackTimeoutMs);
        if (ack) break;
      }
    } finally {
      this.pendingAcks.delete(seq);
    }
    const latencyMs = performance.now() - started;
    if (!ack) {
      this.stats.noAck++;
      this.log.warn({ seq, card: cardToText(card), tries }, 'no ACK: giving up');
      this.show('NO CONNECTION', 'error-beeps', 'NO_ACK');
      return { result: 'NO_ACK', tries, latencyMs, seq, card };
    }
    this.show(ack.text, BUZZER[ack.result], ack.result);
    return { result: ack.result, text: ack.text, tries, latencyMs, seq, card };
  }

  private onGatewayLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) return;
    let decoded;
    try {
      decoded = decodeSmartGatewayLine(line);
    } catch (err) {
      this.stats.badLines++;
      this.log.warn({ err, line: line.slice(0, 80) }, 'unreadable line from gateway');
      return;
    }
    if (decoded.type === 'msg') {
      this.stats.messages++;
      this.show(decoded.text, 'beep', 'MSG', decoded.seconds);
      return;
    }
    const ack = { seq: decoded.seq, result: decoded.result, text: decoded.text };
    const resolve = this.pendingAcks.get(ack.seq);
    if (resolve) {
      this.pendingAcks.delete(ack.seq);
      this.stats.acks[ack.result]++;
      resolve(ack);
    } else {
      this.stats.lateAcks++;
    }
    const event: AckEvent = {
      terminal: this.id,
      seq: ack.seq,
      result: ack.result,
      text: ack.text,
      matched: resolve !== undefined,
    };
    this.emit('ack', event);
  }

  private show(text: string, buzzer: Buzzer, result: DisplayEvent['result'], seconds?: number): void {
    const clock = zonedTime(this.terminalTime(), this.timeZone).time.slice(0, 5);
    const event: DisplayEvent = {
      terminal: this.id,
      text,
      buzzer,
      result,
      clock,
      ...(seconds !== undefined ? { seconds } : {}),
    };
    this.log.debug(event, 'display');
    this.emit('display', event);
  }

  // --- the wire ---------------------------------------------------------------------------------

  /** One frame, with whatever fault it draws. Resolves whether it reached the line. */
  private async sendFrame(
    frame: Buffer,
    what: 'tap' | 'repeat',
    card: CardId,
    seq?: number,
  ): Promise<boolean> {
    if (this.faults.noiseBeforeFrame()) await this.sendNoise();
    const fault = this.faults.nextFrameFault();
    const bytes =
      fault === 'corrupt'
        ? corruptFrame(this.kind, frame)
        : fault === 'cut'
          ? cutFrame(this.kind, frame)
          : frame;
    if (fault) this.stats.faultyFrames++;
    return this.put({ terminal: this.id, what, bytes, delivered: false, card, seq, fault });
  }

  private async sendHeartbeat(): Promise<void> {
    if (this.closed) return;
    if (
      await this.put({
        terminal: this.id,
        what: 'heartbeat',
        bytes: encodeHeartbeat(this.opts.firmware),
        delivered: false,
      })
    ) {
      this.stats.heartbeats++;
    }
  }

  private async sendNoise(length?: number): Promise<void> {
    this.stats.noiseBursts++;
    await this.put({
      terminal: this.id,
      what: 'noise',
      bytes: noiseBurst(this.kind, this.faults.random, length),
      delivered: false,
    });
  }

  private async put(event: SentEvent): Promise<boolean> {
    const delivered = !this.closed && !this.faults.silent && (await this.link.write(event.bytes));
    event.delivered = delivered;
    if (event.what === 'tap' || event.what === 'repeat') {
      if (delivered) this.stats.framesSent++;
      else this.stats.framesDropped++;
    }
    if (delivered) this.stats.bytesSent += event.bytes.length;
    this.emit('sent', event);
    return delivered;
  }

  // --- timing -----------------------------------------------------------------------------------

  /** Resolves after `ms`, or at once when the terminal closes. */
  private delay(ms: number): Promise<void> {
    return this.raceTimeout(new Promise<void>(() => {}), ms).then(() => undefined);
  }

  /** `promise`'s value, or undefined after `ms` (or when the terminal closes). */
  private raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const finish = (value: T | undefined): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve(value);
      };
      const wake = (): void => finish(undefined);
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
      void promise.then(finish);
    });
  }

  private acquire(): Promise<void> {
    if (this.stats.inFlight < this.opts.maxInFlight) {
      this.stats.inFlight++;
      return Promise.resolve();
    }
    this.stats.queued++;
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.stats.queued--;
        this.stats.inFlight++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.stats.inFlight--;
    this.waiting.shift()?.();
  }
}

/** Open the link and make the terminal. Close it with `terminal.close()`. */
export async function createTerminal(options: TerminalOptions): Promise<SimulatedTerminal> {
  const log = (options.logger ?? defaultLogger()).child({ component: 'link', terminal: options.id });
  const link = await openLink(options.link, log);
  try {
    return new SimulatedTerminal(options, link);
  } catch (e) {
    await link.close();
    throw e;
  }
}

export async function openLink(options: LinkOptions, log: Logger): Promise<TerminalLink> {
  switch (options.type) {
    case 'tcp':
      return TcpLink.listen(options.host ?? '127.0.0.1', options.port ?? 0, log);
    case 'pty':
      return openPtyLink({ baudRate: options.baudRate, log });
    case 'serial':
      return SerialLink.open({
        path: options.path,
        baudRate: options.baudRate,
        gatewayPath: options.gatewayPath,
        log,
      });
    default: {
      const never: never = options;
      throw new SimError('bad_option', `unknown link ${JSON.stringify(never)}`);
    }
  }
}
