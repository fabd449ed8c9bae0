/**
 * `rfid-gateway decode`: raw terminal bytes → one JSON line per read, tap, heartbeat or rejected
 * frame, so a technician can check a new reader model in seconds. Uses the gateway's own decoder.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import {
  cardToText,
  createFrameDecoder,
  type DecoderOptions,
  type FrameEvent,
  type TerminalFormat,
} from '@rfid/protocol';

export type DecodedLine =
  | { card: string; raw: string }
  | { card: string; seq: number; raw: string }
  | { heartbeat: string; raw: string }
  | { error: string; code: string; raw: string };

export function toDecodedLine(event: FrameEvent): DecodedLine {
  switch (event.kind) {
    case 'read':
      return { card: cardToText(event.card), raw: event.raw };
    case 'tap':
      return { card: cardToText(event.card), seq: event.seq, raw: event.raw };
    case 'heartbeat':
      return { heartbeat: event.firmware, raw: event.raw };
    case 'reject':
      return { error: event.error, code: event.code, raw: event.raw };
  }
}

/** Decode a whole buffer (as if it arrived at once and the stream then ended). */
export async function decodeBytes(
  bytes: Buffer,
  format: TerminalFormat,
  opts: DecoderOptions = {},
): Promise<DecodedLine[]> {
  const lines: DecodedLine[] = [];
  const decoder = createFrameDecoder(format, opts);
  decoder.on('data', (e: FrameEvent) => lines.push(toDecodedLine(e)));
  decoder.end(bytes);
  await once(decoder, 'end');
  return lines;
}

export interface DecodeSummary {
  frames: number;
  rejects: number;
  bytes: number;
}

/** Pipe a byte stream through the decoder and write JSON lines until the input ends. */
export async function decodeStream(
  input: Readable,
  output: Writable,
  format: TerminalFormat,
  opts: DecoderOptions = {},
): Promise<DecodeSummary> {
  const decoder = createFrameDecoder(format, opts);
  decoder.on('data', (e: FrameEvent) => output.write(`${JSON.stringify(toDecodedLine(e))}\n`));
  const ended = once(decoder, 'end');
  input.pipe(decoder);
  await ended;
  return { ...decoder.stats };
}
