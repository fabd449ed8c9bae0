/**
 * A terminal on a real serial device (or one end of a pty pair), opened with `serialport`.
 * The only file that touches `SerialPort`.
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import type { Logger } from 'pino';
import { SimError } from '../errors.js';
import type { TerminalLink } from './link.js';

export const DEFAULT_BAUD_RATE = 9600;

export class SerialLink extends EventEmitter implements TerminalLink {
  readonly type: 'serial' | 'pty';
  private closed = false;

  private constructor(
    private readonly port: SerialPort,
    readonly gatewaySource: string,
    type: 'serial' | 'pty',
    private readonly log: Logger,
    private readonly onClose: () => Promise<void>,
  ) {
    super();
    this.type = type;
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    port.on('error', (err) => this.log.warn({ err }, 'serial port error'));
  }

  /**
   * Open `path` at `baudRate`. `gatewayPath` is the device the gateway opens (the other end of a
   * pty pair or of a null-modem cable); without it the gateway source names `path` itself.
   */
  static async open(opts: {
    path: string;
    baudRate?: number;
    gatewayPath?: string;
    type?: 'serial' | 'pty';
    log: Logger;
    onClose?: () => Promise<void>;
  }): Promise<SerialLink> {
    const baudRate = opts.baudRate ?? DEFAULT_BAUD_RATE;
    const port = new SerialPort({ path: opts.path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) =>
        err
          ? reject(new SimError('link_failed', `cannot open ${opts.path}: ${err.message}`, { cause: err }))
          : resolve(),
      ),
    );
    const source = `serial:${opts.gatewayPath ?? opts.path}?baud=${baudRate}`;
    return new SerialLink(
      port,
      source,
      opts.type ?? 'serial',
      opts.log.child({ link: opts.type ?? 'serial', path: opts.path }),
      opts.onClose ?? (async () => {}),
    );
  }

  /** A serial line cannot tell whether anyone listens at the other end. */
  get connected(): boolean {
    return !this.closed;
  }

  write(bytes: Buffer): Promise<boolean> {
    if (this.closed || !this.port.isOpen) return Promise.resolve(false);
    return new Promise((resolve) => this.port.write(bytes, (err) => resolve(!err)));
  }

  async waitForGateway(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.port.isOpen) {
      await new Promise<void>((resolve) =>
        this.port.close((err) => {
          if (err) this.log.debug({ err }, 'closing serial port');
          resolve();
        }),
      );
    }
    await this.onClose();
  }
}
