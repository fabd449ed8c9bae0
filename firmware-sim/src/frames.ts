/**
 * What a terminal of each kind puts on the wire for one card, through the encoders of
 * `@rfid/protocol` (the same code the gateway decodes with). No I/O here.
 */
import {
  encodeDecimal10,
  encodeRdm6300,
  encodeSmartHeartbeat,
  encodeSmartTap,
  encodeWiegand,
  truncateCard,
  type ByteOrder,
  type CardId,
  type CardTech,
  type TerminalFormat,
  type WiegandBits,
} from '@rfid/protocol';
import { widenToEm40 } from './cards.js';
import { SimError } from './errors.js';

export interface ReaderModel {
  kind: TerminalFormat;
  /** decimal10 / smart / wiegand-34: which cards it reads. Default `em4100`. */
  tech?: CardTech;
  /** decimal10 with Mifare: how the UID is printed. */
  byteOrder?: ByteOrder;
  /** wiegand: 26 (default) or 34 bits. */
  wiegandBits?: WiegandBits;
  /** Version byte given to EM cards known only by a printed (32/24-bit) number. */
  versionByte?: number;
}

/**
 * The card as this reader model sees it (what a decoder will report): EM cards known by fewer
 * bits are first widened to 40 (see `widenToEm40`), then cut to what the reader reports.
 */
export function cardAsRead(model: ReaderModel, card: CardId): CardId {
  const tech =
    model.kind === 'rdm6300' || (model.kind === 'wiegand' && model.wiegandBits !== 34)
      ? 'em4100'
      : (model.tech ?? 'em4100');
  if (card.tech !== tech) {
    throw new SimError(
      'wrong_tech',
      `a ${model.kind} terminal reading ${tech} cannot read a ${card.tech} card`,
    );
  }
  const full = widenToEm40(card, model.versionByte);
  switch (model.kind) {
    case 'rdm6300':
      return full;
    case 'decimal10':
      return truncateCard(full, 32);
    case 'wiegand':
      return truncateCard(full, (model.wiegandBits ?? 26) - 2);
    case 'smart':
      return full;
    default: {
      const never: never = model.kind;
      throw new SimError('bad_option', `unknown terminal kind ${String(never)}`);
    }
  }
}

/** The bytes of one read of `card` (for `smart`, the TAP line with `seq`). */
export function encodeRead(model: ReaderModel, card: CardId, seq = 0): Buffer {
  const read = cardAsRead(model, card);
  switch (model.kind) {
    case 'rdm6300':
      return encodeRdm6300(read);
    case 'decimal10':
      return Buffer.from(encodeDecimal10(read, { tech: read.tech, byteOrder: model.byteOrder }), 'latin1');
    case 'wiegand':
      return Buffer.from(encodeWiegand(read, model.wiegandBits ?? 26), 'latin1');
    case 'smart':
      return Buffer.from(encodeSmartTap(seq, read), 'latin1');
    default: {
      const never: never = model.kind;
      throw new SimError('bad_option', `unknown terminal kind ${String(never)}`);
    }
  }
}

export function encodeHeartbeat(firmware: string): Buffer {
  return Buffer.from(encodeSmartHeartbeat(firmware), 'latin1');
}

/** Whether the format is line-based (CR LF) rather than STX…ETX framed. */
export function isLineFormat(kind: TerminalFormat): boolean {
  return kind !== 'rdm6300';
}
