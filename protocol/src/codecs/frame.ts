import type { CardId } from '../card.js';

export const TERMINAL_FORMATS = ['rdm6300', 'decimal10', 'wiegand', 'smart'] as const;
export type TerminalFormat = (typeof TERMINAL_FORMATS)[number];

export type RejectCode = 'checksum' | 'parity' | 'syntax' | 'noise' | 'too_long';

/** What a decoder makes of the bytes of one terminal. Rejects are values, never thrown. */
export type FrameEvent =
  | { kind: 'read'; card: CardId; raw: string }
  | { kind: 'tap'; seq: number; card: CardId; raw: string }
  | { kind: 'heartbeat'; firmware: string; raw: string }
  | { kind: 'reject'; code: RejectCode; error: string; raw: string };

/** A frame the codec cannot accept; the stream wrappers turn it into a `reject` event. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes as readable text for logs and the `raw` field: printable ASCII as is, the rest `\xNN`. */
export function rawText(bytes: Buffer | string): string {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let out = '';
  for (const b of buf) {
    out +=
      b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}
