/**
 * Faults a terminal or its line can show, as pure byte transformations plus the state that says
 * which frame gets which fault. Each damaged frame makes the gateway's decoder emit a `reject`
 * (checksum, parity or syntax) while the frames around it still decode.
 */
import type { TerminalFormat } from '@rfid/protocol';
import { isLineFormat } from './frames.js';
import type { SeededRandom } from './rng.js';

export type Fault =
  /** A burst of random bytes on the line now (default 16). Line formats end the burst with CR LF. */
  | { type: 'noise'; bytes?: number }
  /** The next `frames` (default 1) frames fail their check: checksum, parity or syntax. */
  | { type: 'corrupt'; frames?: number }
  /** The next `frames` (default 1) frames lose their second half. */
  | { type: 'cut'; frames?: number }
  /** The terminal sends nothing and hears nothing for `ms` (omitted: until `recover`). */
  | { type: 'silent'; ms?: number }
  /** The terminal's own clock is off by `offsetMs` (shown on its display only, see README). */
  | { type: 'clock'; offsetMs: number }
  /** Back to normal: ends silence, drops pending one-shot faults, resets the clock. */
  | { type: 'recover' };

/** Per-frame probabilities of faults during a run, drawn from a seeded stream. */
export interface FaultRates {
  /** Seed of the fault stream; default derived from the terminal id. */
  seed?: number;
  /** Chance of a noise burst before a frame. */
  noise?: number;
  corrupt?: number;
  cut?: number;
}

/** Bytes that would start, end or delimit a frame; noise leaves them out so it stays one reject. */
const FRAMING_BYTES = new Set([0x02, 0x03, 0x0a, 0x0d]);

export function noiseBurst(kind: TerminalFormat, rng: SeededRandom, length = 16): Buffer {
  const bytes: number[] = [];
  while (bytes.length < Math.max(1, length)) {
    const b = rng.int(0, 255);
    if (!FRAMING_BYTES.has(b)) bytes.push(b);
  }
  const burst = Buffer.from(bytes);
  return isLineFormat(kind) ? Buffer.concat([burst, Buffer.from('\r\n')]) : burst;
}

function replaceAt(text: string, index: number, ch: string): string {
  return text.slice(0, index) + ch + text.slice(index + 1);
}

/**
 * Damage one frame so that its check fails:
 * - rdm6300: the checksum digits no longer match (→ `checksum`),
 * - wiegand: the leading parity bit is flipped (→ `parity`),
 * - decimal10: a digit becomes a letter, as a misread does (→ `syntax`; the format has no check),
 * - smart: a UID digit becomes a non-hex letter (→ `syntax`; no ACK comes, so the terminal resends).
 */
export function corruptFrame(kind: TerminalFormat, frame: Buffer): Buffer {
  const text = frame.toString('latin1');
  switch (kind) {
    case 'rdm6300': {
      const checksum = parseInt(text.slice(11, 13), 16);
      const wrong = ((checksum ^ 0x5a) & 0xff).toString(16).toUpperCase().padStart(2, '0');
      return Buffer.from(text.slice(0, 11) + wrong + text.slice(13), 'latin1');
    }
    case 'wiegand': {
      const m = /^W(26|34):([0-9A-F]+)\r\n$/.exec(text);
      if (!m) return frame;
      const bits = Number(m[1]);
      const flipped = BigInt('0x' + m[2]) ^ (1n << BigInt(bits - 1));
      return Buffer.from(
        `W${bits}:${flipped.toString(16).toUpperCase().padStart(m[2]!.length, '0')}\r\n`,
        'latin1',
      );
    }
    case 'decimal10':
      return Buffer.from(replaceAt(text, 4, 'O'), 'latin1');
    case 'smart': {
      const lastComma = text.lastIndexOf(',');
      return Buffer.from(replaceAt(text, lastComma + 1, 'G'), 'latin1');
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * The frame with its second half lost. For line formats the line end survives (the converter
 * still ends its line), so only this frame is lost, not the next one too.
 */
export function cutFrame(kind: TerminalFormat, frame: Buffer): Buffer {
  if (!isLineFormat(kind)) return frame.subarray(0, Math.ceil(frame.length / 2));
  const body = frame.subarray(0, frame.length - 2);
  return Buffer.concat([body.subarray(0, Math.ceil(body.length / 2)), Buffer.from('\r\n')]);
}

export type FrameFault = 'corrupt' | 'cut';

/** Which fault, if any, the terminal's next frames get: one-shots first, then the seeded rates. */
export class FaultState {
  private pendingCorrupt = 0;
  private pendingCut = 0;
  private silentUntil = 0;
  clockOffsetMs = 0;

  constructor(
    private readonly rates: FaultRates,
    private readonly rng: SeededRandom,
    private readonly now: () => number,
  ) {}

  apply(fault: Fault): void {
    switch (fault.type) {
      case 'corrupt':
        this.pendingCorrupt += fault.frames ?? 1;
        break;
      case 'cut':
        this.pendingCut += fault.frames ?? 1;
        break;
      case 'silent':
        this.silentUntil = fault.ms === undefined ? Infinity : this.now() + fault.ms;
        break;
      case 'clock':
        this.clockOffsetMs = fault.offsetMs;
        break;
      case 'recover':
        this.pendingCorrupt = 0;
        this.pendingCut = 0;
        this.silentUntil = 0;
        this.clockOffsetMs = 0;
        break;
      case 'noise':
        break; // written at once by the terminal
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${JSON.stringify(never)}`);
      }
    }
  }

  get silent(): boolean {
    return this.now() < this.silentUntil;
  }

  /** A noise burst to put before the next frame, by the seeded rate. */
  noiseBeforeFrame(): boolean {
    return this.rng.chance(this.rates.noise ?? 0);
  }

  nextFrameFault(): FrameFault | undefined {
    if (this.pendingCorrupt > 0) {
      this.pendingCorrupt--;
      return 'corrupt';
    }
    if (this.pendingCut > 0) {
      this.pendingCut--;
      return 'cut';
    }
    if (this.rng.chance(this.rates.corrupt ?? 0)) return 'corrupt';
    if (this.rng.chance(this.rates.cut ?? 0)) return 'cut';
    return undefined;
  }

  get random(): SeededRandom {
    return this.rng;
  }
}
