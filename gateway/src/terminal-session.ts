/**
 * One configured terminal: its link, a fresh frame decoder per connection, and what each frame
 * means (read → tap intake; smart TAP → ACK within the same tick; HB → presence). Bad frames are
 * counted and logged with the terminal id, never thrown.
 */
import {
  createFrameDecoder,
  encodeSmartAck,
  encodeSmartMessage,
  toRfc3339,
  type AnyFrameDecoder,
  type FrameEvent,
} from '@rfid/protocol';
import type { Logger } from 'pino';
import { parseTerminalSource, type TerminalConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { TapIntake } from './tap-intake.js';
import { TerminalLink, type BackOff } from './terminal-link.js';

/** A smart terminal sends HB every 10 s; silent for this long means offline. */
export const SMART_SILENCE_MS = 35_000;

export interface TerminalState {
  id: string;
  online: boolean;
  lastSeen: string | null;
  linkOpen: boolean;
  firmware?: string;
}

export class TerminalSession {
  private readonly link: TerminalLink;
  private decoder: AnyFrameDecoder | undefined;
  private lastSeenMs: number | undefined;
  private firmware: string | undefined;

  constructor(
    readonly config: TerminalConfig,
    private readonly intake: TapIntake,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly timeZone: string,
    private readonly nowMs: () => number,
    backOff?: BackOff,
  ) {
    this.link = new TerminalLink(parseTerminalSource(config.source), log, backOff);
    this.link.on('open', () => this.newDecoder());
    this.link.on('close', () => this.dropDecoder());
    this.link.on('data', (chunk) => this.decoder?.write(chunk));
  }

  start(): void {
    this.link.start();
  }

  async stop(): Promise<void> {
    await this.link.stop();
    this.dropDecoder();
  }

  /**
   * Show a text on a smart terminal's display (`MSG` line). False when this terminal has no
   * display or its link is down: the line is not kept for later, a gate text is of the moment.
   */
  display(text: string, seconds: number): boolean {
    if (this.config.format !== 'smart') return false;
    return this.link.write(encodeSmartMessage({ seconds, text }));
  }

  state(): TerminalState {
    const now = this.nowMs();
    const heard = this.lastSeenMs !== undefined && now - this.lastSeenMs < SMART_SILENCE_MS;
    // Read-only readers say nothing until a card comes: for them an open link is "online".
    const online = this.link.isOpen && (this.config.format !== 'smart' || heard);
    return {
      id: this.config.id,
      online,
      lastSeen: this.lastSeenMs === undefined ? null : toRfc3339(new Date(this.lastSeenMs), this.timeZone),
      linkOpen: this.link.isOpen,
      ...(this.firmware ? { firmware: this.firmware } : {}),
    };
  }

  private newDecoder(): void {
    this.dropDecoder();
    const { tech, byteOrder } = this.config;
    const decoder = createFrameDecoder(this.config.format, {
      ...(tech ? { tech } : {}),
      ...(byteOrder ? { byteOrder } : {}),
    });
    decoder.on('data', (event: FrameEvent) => this.onFrame(event));
    this.decoder = decoder;
  }

  private dropDecoder(): void {
    const d = this.decoder;
    this.decoder = undefined;
    if (d) {
      d.removeAllListeners('data');
      d.destroy();
    }
  }

  private onFrame(event: FrameEvent): void {
    const started = performance.now();
    this.lastSeenMs = this.nowMs();
    const terminal = {
      id: this.config.id,
      ...(this.config.direction ? { direction: this.config.direction } : {}),
    };
    switch (event.kind) {
      case 'read':
        void this.intake.read(terminal, event.card, event.raw);
        return;
      case 'tap':
        // Resolves once the tap is committed (never rejects: a failed store answers ERR).
        void this.intake.smartTap(terminal, event.seq, event.card, event.raw).then((ack) => {
          this.link.write(encodeSmartAck(ack));
          this.metrics.terminalAckLatency.observe((performance.now() - started) / 1000);
        });
        return;
      case 'heartbeat':
        this.firmware = event.firmware;
        return;
      case 'reject':
        this.metrics.rejects.inc({ terminal: this.config.id, code: event.code });
        this.log.warn(
          { terminal: this.config.id, code: event.code, error: event.error, raw: event.raw },
          'frame rejected',
        );
        return;
      default: {
        const never: never = event;
        this.log.error({ event: never }, 'unknown frame event');
      }
    }
  }
}
