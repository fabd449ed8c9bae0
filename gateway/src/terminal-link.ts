/**
 * The byte stream of one terminal: a serial port or a TCP socket of a serial-device server.
 * Reopens with exponential back-off when the cable is pulled, the port vanishes or the device
 * server reboots. This file is the only one that touches `serialport` and terminal sockets.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { SerialPort } from 'serialport';
import type { Logger } from 'pino';
import type { TerminalSource } from './config.js';

export interface TerminalLinkEvents {
  open: [];
  close: [reason: string];
  data: [chunk: Buffer];
  /** An attempt to open the source failed (it is retried with back-off). */
  'open-failed': [reason: string];
}

export interface BackOff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACK_OFF: BackOff = { initialMs: 250, maxMs: 10_000 };

type Stream = { kind: 'serial'; port: SerialPort } | { kind: 'tcp'; socket: net.Socket };

export class TerminalLink extends EventEmitter<TerminalLinkEvents> {
  private stream: Stream | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;
  private connected = false;
  /** Failed opens since the link was last open: the first is a warning, the rest are counted. */
  private failures = 0;
  private lastFailure = '';

  constructor(
    readonly source: TerminalSource,
    private readonly log: Logger,
    private readonly backOff: BackOff = DEFAULT_BACK_OFF,
  ) {
    super();
    this.delayMs = backOff.initialMs;
  }

  get isOpen(): boolean {
    return this.connected;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Write to the terminal; false when the link is down (the caller does not retry: the terminal does). */
  write(text: string): boolean {
    if (!this.connected || !this.stream) return false;
    if (this.stream.kind === 'serial') this.stream.port.write(text, 'latin1');
    else this.stream.socket.write(text, 'latin1');
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const s = this.stream;
    this.stream = undefined;
    this.connected = false;
    if (!s) return;
    if (s.kind === 'tcp') {
      await new Promise<void>((resolve) => {
        if (s.socket.destroyed) return resolve();
        s.socket.once('close', () => resolve());
        s.socket.destroy();
      });
    } else if (s.port.isOpen) {
      await new Promise<void>((resolve) => s.port.close(() => resolve()));
    }
  }

  private open(): void {
    if (this.stopped) return;
    if (this.source.kind === 'tcp') this.openTcp(this.source.host, this.source.port);
    else this.openSerial(this.source.path, this.source.baudRate);
  }

  private openTcp(host: string, port: number): void {
    const socket = net.connect({ host, port });
    this.stream = { kind: 'tcp', socket };
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    socket.on('connect', () => this.onOpen());
    socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    let error = '';
    socket.on('error', (err) => {
      error = err.message;
      this.log.debug({ err: err.message }, 'terminal socket error');
    });
    socket.on('close', () => this.onClose(error || 'socket closed'));
  }

  private openSerial(path: string, baudRate: number): void {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    this.stream = { kind: 'serial', port };
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    port.on('error', (err) => this.log.debug({ err: err.message }, 'serial port error'));
    port.on('close', () => this.onClose('port closed'));
    port.open((err) => {
      if (err) {
        this.log.debug({ err: err.message }, 'serial port did not open');
        this.onClose(err.message);
      } else {
        this.onOpen();
      }
    });
  }

  private onOpen(): void {
    this.connected = true;
    this.delayMs = this.backOff.initialMs;
    if (this.failures > 0)
      this.log.info(
        { source: this.source, failedAttempts: this.failures, lastError: this.lastFailure },
        'terminal link open again',
      );
    else this.log.info({ source: this.source }, 'terminal link open');
    this.failures = 0;
    this.emit('open');
  }

  private onClose(reason: string): void {
    const wasOpen = this.connected;
    this.connected = false;
    this.stream = undefined;
    if (wasOpen) {
      this.log.warn({ reason }, 'terminal link lost');
      this.emit('close', reason);
    } else if (!this.stopped) {
      // Once per run of failures a warning; the count and last reason go with the recovery line.
      this.failures++;
      this.lastFailure = reason;
      if (this.failures === 1)
        this.log.warn(
          { source: this.source, reason },
          'terminal source cannot be opened; retrying with back-off',
        );
      this.emit('open-failed', reason);
    }
    if (this.stopped || this.retryTimer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backOff.maxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open();
    }, delay);
  }
}
