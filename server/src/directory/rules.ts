/**
 * The directory's rules, in one place for every writer (the directory service, the REST layer,
 * the import): names in NFC without surrounding blanks, a new guardian's channels, a card's
 * stored text and match keys.
 */
import { cardMatchKeys, cardToText, parsePrintedCard, type CardId, type CardTech } from '@rfid/protocol';
import { DomainError } from '../common/domain-error.js';
import { defaultChannels } from '../notifications/preferences.js';
import type { CardKeyRow, CardRow } from '../cards/cards.repository.js';

/**
 * A person's, class's or school's name as stored: NFC (`Y Liên` typed on any keyboard), runs of
 * blanks (no-break spaces from spreadsheets too) as one space, trimmed.
 */
export function cleanName(name: string): string {
  return name
    .normalize('NFC')
    .replace(/[\u00a0\s]+/g, ' ')
    .trim();
}

/** The channels a guardian is stored with: the chosen ones, else the default for the phone. */
export function guardianChannels(g: { phone?: string | null; channels?: readonly string[] }): string[] {
  return g.channels ? [...g.channels] : defaultChannels(g.phone);
}

/** A card in any form of CONTRACT §2 as a `CardId`; a `bad_card` domain error when it is not one. */
export function parseCard(card: string | CardId, tech?: CardTech): CardId {
  try {
    return typeof card === 'string' ? parsePrintedCard(card, tech) : card;
  } catch (e) {
    throw new DomainError('bad_card', (e as Error).message);
  }
}

/** The rows of `cards` and `card_keys` that enrolling these cards writes (keys point at their card's index). */
export function cardRows(
  inputs: {
    schoolId: string;
    studentId: string | null;
    card: string | CardId;
    tech?: CardTech;
    /** What was printed on the card, when `card` is not that text itself. */
    printed?: string | null;
  }[],
): { cards: CardRow[]; keys: CardKeyRow[] } {
  const cards: CardRow[] = [];
  const keys: CardKeyRow[] = [];
  inputs.forEach((input, i) => {
    const id = parseCard(input.card, input.tech);
    cards.push({
      schoolId: input.schoolId,
      studentId: input.studentId,
      tech: id.tech,
      bits: id.bits,
      hex: id.hex,
      text: cardToText(id),
      printed:
        input.printed !== undefined ? input.printed : typeof input.card === 'string' ? input.card : null,
    });
    for (const key of cardMatchKeys(id))
      keys.push({ schoolId: input.schoolId, key, card: i, bits: Number(key.split(':')[1]) });
  });
  return { cards, keys };
}
