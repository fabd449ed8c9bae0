/**
 * A minimal gateway for tests: opens a terminal's `gatewaySource` the way the real gateway does
 * (a TCP client, or the other end of the pty with serialport), decodes with `createFrameDecoder`
 * from @rfid/protocol and, for smart terminals, answers TAPs with ACKs by a policy.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { SerialPort } from 'serialport';
import {
  createFrameDecoder,
  encodeSmartAck,
  type AckResult,
  type DecoderOptions,
  type FrameEvent,
  type TerminalFormat,
} from '@rfid/protocol';

export interface AckPolicy {
  /** Drop the first `n` ACKs of every seq (the terminal must resend). */
  dropFirst?: number;
  /** Never answer. */
  never?: boolean;
  result?: AckResult;
  text?: string;
}

export class GatewayStandIn {
  readonly events: FrameEvent[] = [];
  readonly raw: Buffer[] = [];
  private readonly ackCounts = new Map<number, number>();
  readonly decoder;

  private constructor(
    format: TerminalFormat,
    private readonly writeLine: (s: string) => void,
    private readonly closeIo: () => Promise<void>,
    public ackPolicy: AckPolicy | undefined,
    decoderOptions: DecoderOptions,
  ) {
    this.decoder = createFrameDecoder(format, decoderOptions);
    this.decoder.on('data', (e: FrameEvent) => {
      this.events.push(e);
      if (e.kind === 'tap') this.answer(e.seq);
    });
  }

  static async connect(
    source: string,
    format: TerminalFormat,
    opts: { ack?: AckPolicy; decoder?: DecoderOptions } = {},
  ): Promise<GatewayStandIn> {
    if (source.startsWith('tcp://')) {
      const url = new URL(source);
      const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) });
      await once(socket, 'connect');
      const gw = new GatewayStandIn(
        format,
        (s) => socket.write(s),
        async () => {
          socket.destroy();
          if (!socket.closed) await once(socket, 'close');
        },
        opts.ack,
        opts.decoder ?? {},
      );
      socket.on('data', (chunk: Buffer) => gw.feed(chunk));
      socket.on('error', () => {});
      return gw;
    }
    const m = /^serial:([^?]+)(?:\?baud=(\d+))?$/.exec(source);
    if (!m) throw new Error(`unknown source ${source}`);
    const port = new SerialPort({ path: m[1]!, baudRate: Number(m[2] ?? 9600), autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const gw = new GatewayStandIn(
      format,
      (s) => port.write(s),
      () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
      opts.ack,
      opts.decoder ?? {},
    );
    port.on('data', (chunk: Buffer) => gw.feed(chunk));
    return gw;
  }

  private feed(chunk: Buffer): void {
    this.raw.push(chunk);
    this.decoder.write(chunk);
  }

  private answer(seq: number): void {
    const policy = this.ackPolicy ?? {};
    if (policy.never) return;
    const seen = (this.ackCounts.get(seq) ?? 0) + 1;
    this.ackCounts.set(seq, seen);
    if (seen <= (policy.dropFirst ?? 0)) return;
    this.writeLine(
      encodeSmartAck({ seq, result: policy.result ?? 'OK', text: policy.text ?? `Hoc sinh ${seq}` }),
    );
  }

  /** Send a raw line to the terminal (for bad-line tests). */
  send(text: string): void {
    this.writeLine(text);
  }

  reads(): string[] {
    return this.events.flatMap((e) =>
      e.kind === 'read' || e.kind === 'tap' ? [`${e.card.tech}:${e.card.bits}:${e.card.hex}`] : [],
    );
  }

  rejects(): FrameEvent[] {
    return this.events.filter((e) => e.kind === 'reject');
  }

  bytes(): Buffer {
    return Buffer.concat(this.raw);
  }

  async close(): Promise<void> {
    await this.closeIo();
    this.decoder.destroy();
  }
}

/** Poll `condition` until it holds or `timeoutMs` passes (then throw with `what`). */
export async function pollUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const socatAvailable = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!socatAvailable) {
  console.warn('firmware-sim: socat is not installed (apt-get install socat): pty tests are skipped');
}
