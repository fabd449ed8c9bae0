/**
 * Stream wrappers around the pure codecs: bytes in any chunking → FrameEvent objects out.
 * A bad frame becomes a `reject` event and the stream goes on; it never errors on input.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ReadlineParser } from '@serialport/parser-readline';
import { FrameError, rawText, type FrameEvent, type TerminalFormat } from './frame.js';
import { decodeRdm6300Frame, RDM6300_ETX, RDM6300_FRAME_LENGTH, RDM6300_STX } from './rdm6300.js';
import { decodeDecimal10Line, type Decimal10Options } from './decimal10.js';
import { decodeWiegandLine, type WiegandOptions } from './wiegand.js';
import { decodeSmartLine } from './smart.js';

export interface DecoderOptions extends Decimal10Options, WiegandOptions {
  /** Longest line accepted by the line formats; longer ones are rejected as `too_long`. */
  maxLineLength?: number;
}

export interface DecoderStats {
  bytes: number;
  frames: number;
  rejects: number;
}

/** Noise is reported in pieces of this many bytes, so rejects too are independent of chunking. */
const NOISE_PIECE = 64;

abstract class FrameDecoder extends Transform {
  readonly stats: DecoderStats = { bytes: 0, frames: 0, rejects: 0 };

  constructor() {
    super({ readableObjectMode: true, writableObjectMode: false });
  }

  protected emitEvent(event: FrameEvent): void {
    if (event.kind === 'reject') this.stats.rejects++;
    else this.stats.frames++;
    this.push(event);
  }

  protected reject(error: unknown, raw: Buffer | string): void {
    const e =
      error instanceof FrameError
        ? error
        : new FrameError('syntax', error instanceof Error ? error.message : String(error));
    this.emitEvent({ kind: 'reject', code: e.code, error: e.message, raw: rawText(raw) });
  }
}

/** RDM6300: scan for STX, wait for 14 bytes, check; on a defect resync at the next STX. */
export class Rdm6300Decoder extends FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private noise: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.stats.bytes += chunk.length;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.scan();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.scan();
    if (this.buffer.length)
      this.reject(new FrameError('syntax', 'truncated frame at end of stream'), this.buffer);
    this.buffer = Buffer.alloc(0);
    this.flushNoise();
    done();
  }

  private addNoise(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.noise = this.noise.length ? Buffer.concat([this.noise, bytes]) : bytes;
    while (this.noise.length >= NOISE_PIECE) {
      this.reject(new FrameError('noise', 'bytes outside a frame'), this.noise.subarray(0, NOISE_PIECE));
      this.noise = this.noise.subarray(NOISE_PIECE);
    }
  }

  private flushNoise(): void {
    if (this.noise.length) this.reject(new FrameError('noise', 'bytes outside a frame'), this.noise);
    this.noise = Buffer.alloc(0);
  }

  private scan(): void {
    const buf = this.buffer;
    let pos = 0;
    for (;;) {
      const start = buf.indexOf(RDM6300_STX, pos);
      if (start === -1) {
        this.addNoise(buf.subarray(pos));
        pos = buf.length;
        break;
      }
      this.addNoise(buf.subarray(pos, start));
      pos = start;
      if (buf.length - pos < RDM6300_FRAME_LENGTH) break;
      this.flushNoise();
      const frame = buf.subarray(pos, pos + RDM6300_FRAME_LENGTH);
      try {
        const card = decodeRdm6300Frame(frame);
        this.emitEvent({ kind: 'read', card, raw: rawText(frame.subarray(1, 13)) });
        pos += RDM6300_FRAME_LENGTH;
      } catch (e) {
        // A frame cut short by a new STX: reject the stub, resync there.
        const next = frame.indexOf(RDM6300_STX, 1);
        const end = frame[13] === RDM6300_ETX || next === -1 ? RDM6300_FRAME_LENGTH : next;
        this.reject(
          next !== -1 && end === next ? new FrameError('syntax', 'frame cut short') : e,
          frame.subarray(0, end),
        );
        pos += end;
      }
    }
    this.buffer = pos === buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  }
}

/**
 * Line formats: bytes → lines through @serialport/parser-readline (LF, CR stripped) → events.
 * Endless input without a line end is cut at `maxPending` bytes so memory stays bounded.
 */
export class LineDecoder extends FrameDecoder {
  private readonly lines = new ReadlineParser({ delimiter: '\n', encoding: 'latin1' });
  private pending = 0;
  private readonly maxPending: number;

  constructor(
    private readonly decodeLine: (line: string) => FrameEvent,
    private readonly maxLineLength = 64,
  ) {
    super();
    this.maxPending = Math.max(256, maxLineLength * 4);
    this.lines.on('data', (line: string) => this.onLine(line));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.stats.bytes += chunk.length;
    let from = 0;
    while (from < chunk.length) {
      const lf = chunk.indexOf(0x0a, from);
      const segmentEnd = lf === -1 ? chunk.length : lf + 1;
      const room = this.maxPending - this.pending;
      if (segmentEnd - from > room) {
        // Cut an overlong run: what came so far becomes one (rejected) line.
        this.lines.write(chunk.subarray(from, from + room));
        this.lines.write('\n');
        this.pending = 0;
        from += room;
        continue;
      }
      this.lines.write(chunk.subarray(from, segmentEnd));
      this.pending = lf === -1 ? this.pending + (segmentEnd - from) : 0;
      from = segmentEnd;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.lines.once('end', () => done());
    this.lines.end();
    this.lines.resume();
  }

  private onLine(rawLine: string): void {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length === 0) return;
    if (line.length > this.maxLineLength) {
      this.reject(new FrameError('too_long', `line of ${line.length} characters`), line.slice(0, 128));
      return;
    }
    try {
      this.emitEvent(this.decodeLine(line));
    } catch (e) {
      this.reject(e, line);
    }
  }
}

export type AnyFrameDecoder = Rdm6300Decoder | LineDecoder;

export function createFrameDecoder(format: TerminalFormat, opts: DecoderOptions = {}): AnyFrameDecoder {
  switch (format) {
    case 'rdm6300':
      return new Rdm6300Decoder();
    case 'decimal10':
      return new LineDecoder(
        (line) => ({ kind: 'read', card: decodeDecimal10Line(line, opts), raw: line }),
        opts.maxLineLength,
      );
    case 'wiegand':
      return new LineDecoder(
        (line) => ({ kind: 'read', card: decodeWiegandLine(line, opts), raw: line }),
        opts.maxLineLength,
      );
    case 'smart':
      return new LineDecoder((line) => {
        const msg = decodeSmartLine(line);
        return msg.type === 'tap'
          ? { kind: 'tap', seq: msg.seq, card: msg.card, raw: line }
          : { kind: 'heartbeat', firmware: msg.firmware, raw: line };
      }, opts.maxLineLength);
    default: {
      const never: never = format;
      throw new Error(`unknown terminal format ${String(never)}`);
    }
  }
}
