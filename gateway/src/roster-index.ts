/**
 * The last roster from the server (CONTRACT §3 `roster`), indexed for card lookup per CONTRACT §2:
 * a roster card is filed under every form a reader can report (`cardMatchKeys`), a read is looked
 * up by its own form first, then its shorter forms (`cardLookupKeys`). So a card enrolled as
 * `em4100:32:…` (the number printed on it) greets a student reading it on a 40-bit RDM6300.
 */
import {
  cardLookupKeys,
  cardMatchKeys,
  parseCardText,
  type CardId,
  type RosterEntry,
  type RosterMessage,
} from '@rfid/protocol';

export interface RosterStudent {
  name: string;
  class: string;
  /** The card as enrolled. */
  card: string;
}

export class RosterIndex {
  private readonly byKey = new Map<string, { student: RosterStudent; exact: boolean }>();
  readonly version: number;
  readonly size: number;
  /** Entries whose card text could not be parsed (kept aside, counted). */
  readonly rejected: RosterEntry[] = [];

  constructor(roster: RosterMessage = { version: 0, cards: [] }) {
    this.version = roster.version;
    for (const entry of roster.cards) {
      let card: CardId;
      try {
        card = parseCardText(entry.card);
      } catch {
        this.rejected.push(entry);
        continue;
      }
      const student: RosterStudent = {
        name: entry.name.normalize('NFC'),
        class: entry.class,
        card: entry.card,
      };
      const [own, ...shorter] = cardMatchKeys(card);
      // A card's own form wins over another card's shorter form under the same key.
      this.byKey.set(own!, { student, exact: true });
      for (const key of shorter)
        if (!this.byKey.get(key)?.exact) this.byKey.set(key, { student, exact: false });
    }
    this.size = roster.cards.length - this.rejected.length;
  }

  lookup(read: CardId): RosterStudent | undefined {
    for (const key of cardLookupKeys(read)) {
      const hit = this.byKey.get(key);
      if (hit) return hit.student;
    }
    return undefined;
  }
}
