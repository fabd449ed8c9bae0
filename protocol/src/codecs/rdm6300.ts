/**
 * RDM6300 (125 kHz EM4100): STX, 10 ASCII hex digits (version byte + 4 data bytes), 2 ASCII hex
 * digits of checksum (XOR of the 5 bytes), ETX. The reader repeats the frame while the card is in
 * the field; collapsing repeats is the gateway's job.
 */
import { makeCardId, truncateCard, type CardId } from '../card.js';
import { FrameError } from './frame.js';

export const RDM6300_STX = 0x02;
export const RDM6300_ETX = 0x03;
export const RDM6300_FRAME_LENGTH = 14;

function xorOfBytes(hex10: string): number {
  let x = 0;
  for (let i = 0; i < 10; i += 2) x ^= parseInt(hex10.slice(i, i + 2), 16);
  return x;
}

export function encodeRdm6300(card: CardId): Buffer {
  if (card.tech !== 'em4100' || card.bits !== 40) {
    throw new FrameError('syntax', 'an RDM6300 frame carries a 40-bit EM4100 ID');
  }
  const hex = truncateCard(card, 40).hex;
  const checksum = xorOfBytes(hex).toString(16).toUpperCase().padStart(2, '0');
  return Buffer.concat([
    Buffer.from([RDM6300_STX]),
    Buffer.from(hex + checksum, 'ascii'),
    Buffer.from([RDM6300_ETX]),
  ]);
}

/** Decode exactly one 14-byte frame (STX…ETX). Throws FrameError on any defect. */
export function decodeRdm6300Frame(frame: Buffer): CardId {
  if (frame.length !== RDM6300_FRAME_LENGTH)
    throw new FrameError('syntax', `frame of ${frame.length} bytes, not 14`);
  if (frame[0] !== RDM6300_STX || frame[13] !== RDM6300_ETX)
    throw new FrameError('syntax', 'missing STX/ETX');
  const body = frame.subarray(1, 13).toString('latin1');
  if (!/^[0-9A-Fa-f]{12}$/.test(body)) throw new FrameError('syntax', 'non-hex digit in frame');
  const hex = body.slice(0, 10);
  const expected = xorOfBytes(hex);
  const got = parseInt(body.slice(10), 16);
  if (expected !== got) {
    throw new FrameError(
      'checksum',
      `checksum ${got.toString(16)} != ${expected.toString(16)} (XOR of the ID bytes)`,
    );
  }
  return makeCardId('em4100', 40, hex);
}
