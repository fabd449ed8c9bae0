/**
 * `rfid-gateway detect`: which terminal format (and, for a decimal wedge reader, which card
 * technology and byte order) explains the bytes a new reader sends, so a technician can set up
 * a reader without knowing its model. Pure: every decoder is tried on the same bytes.
 */
import {
  cardToText,
  parsePrintedCard,
  type CardId,
  type DecoderOptions,
  type TerminalFormat,
} from '@rfid/protocol';
import { decodeBytes, type DecodedLine } from './decode.js';

export interface Candidate {
  format: TerminalFormat;
  options: DecoderOptions;
}

/** Every decoder setting a reader may need, decimal10 in its three readings. */
export const CANDIDATES: readonly Candidate[] = [
  { format: 'rdm6300', options: {} },
  { format: 'smart', options: {} },
  { format: 'wiegand', options: {} },
  { format: 'decimal10', options: { tech: 'em4100' } },
  { format: 'decimal10', options: { tech: 'mifare', byteOrder: 'msb-first' } },
  { format: 'decimal10', options: { tech: 'mifare', byteOrder: 'reversed' } },
];

export interface Trial extends Candidate {
  cards: string[];
  rejects: number;
  /** For decimal10 with a printed number: whether the card read is the one printed. */
  fitsPrinted?: boolean;
}

export interface Detection {
  /** The settings that explain the bytes best; undefined when no decoder read a card. */
  best: Trial | undefined;
  /** Other settings that read the same bytes as well (the printed number could not tell them apart). */
  alsoFits: Trial[];
  trials: Trial[];
  /** What the technician should know (ambiguity, a printed number that matches nothing). */
  notes: string[];
}

/** The printed number as the card a decoder with these options should report. */
function printedAs(printed: string, c: Candidate): CardId | undefined {
  try {
    return parsePrintedCard(printed, c.options.tech ?? 'em4100');
  } catch {
    return undefined;
  }
}

function cardsOf(lines: DecodedLine[]): { cards: string[]; rejects: number } {
  const cards: string[] = [];
  let rejects = 0;
  for (const l of lines) {
    if ('card' in l) cards.push(l.card);
    else if ('code' in l) rejects++;
  }
  return { cards, rejects };
}

const score = (t: Trial) => (t.fitsPrinted === true ? 1e6 : 0) + t.cards.length * 1000 - t.rejects;

/** Try every decoder on `bytes`; `printed` is the number on the card the technician presented. */
export async function detectFormat(bytes: Buffer, printed?: string): Promise<Detection> {
  const trials: Trial[] = [];
  for (const c of CANDIDATES) {
    const { cards, rejects } = cardsOf(await decodeBytes(bytes, c.format, c.options));
    const trial: Trial = { ...c, cards, rejects };
    if (printed !== undefined && c.format === 'decimal10' && cards.length > 0) {
      const want = printedAs(printed, c);
      trial.fitsPrinted = want !== undefined && cards.some((card) => card === cardToText(want));
    }
    trials.push(trial);
  }
  const reading = trials.filter((t) => t.cards.length > 0).sort((a, b) => score(b) - score(a));
  const best = reading[0];
  const notes: string[] = [];
  const alsoFits = best ? reading.slice(1).filter((t) => score(t) === score(best)) : [];
  if (best?.format === 'decimal10') {
    if (printed === undefined) {
      notes.push(
        'a decimal wedge reader: EM4100 is assumed; for a Mifare reader give the number printed on the card (--printed) to tell the technology and byte order',
      );
    } else if (!best.fitsPrinted) {
      notes.push(
        `no reading of these digits gives the printed number ${printed}: is it the card that was presented?`,
      );
    } else if (alsoFits.length > 0) {
      notes.push(
        'the printed number fits more than one technology (the digits are the same): EM4100 is assumed; choose tech "mifare" if the card is a Mifare card',
      );
    }
  }
  return { best, alsoFits, trials, notes };
}

/** The terminal's entry for the gateway config file (gateway/README.md), ready to paste. */
export function terminalConfigEntry(id: string, source: string, t: Candidate): Record<string, string> {
  return {
    id,
    source,
    format: t.format,
    ...(t.format === 'decimal10' && t.options.tech === 'mifare'
      ? { tech: 'mifare', byteOrder: t.options.byteOrder ?? 'msb-first' }
      : {}),
  };
}
