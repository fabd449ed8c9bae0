import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const CARD_STATUSES = ['active', 'lost', 'replaced'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];

/**
 * An RFID card (CONTRACT §2) of a student, in its longest known form (`tech:bits:HEX`). At most one
 * active card per student (partial unique index). Matching goes through `card_keys`, never this table.
 */
@Entity('cards')
export class Card {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  @Column('uuid', { name: 'student_id', nullable: true }) studentId!: string | null;
  @Column('text') tech!: 'em4100' | 'mifare';
  @Column('smallint') bits!: number;
  @Column('text') hex!: string;
  /** Canonical text form `tech:bits:HEX`. */
  @Column('text') text!: string;
  /** What was printed on the card / typed at enrolment, as given. */
  @Column('text', { nullable: true }) printed!: string | null;
  @Column('text', { default: 'active' }) status!: CardStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'retired_at', nullable: true }) retiredAt!: Date | null;
}

/**
 * Match keys of ACTIVE cards (`cardMatchKeys` of @rfid/protocol): one row per key. A tap is
 * resolved with one indexed lookup per batch: `(school_id, key) = ANY(...)`, longest key wins.
 * Rows are deleted when a card stops being active. Maintained by CardsRepository only.
 */
@Entity('card_keys')
export class CardKey {
  @PrimaryColumn('uuid', { name: 'school_id' }) schoolId!: string;
  @PrimaryColumn('text') key!: string;
  @PrimaryColumn('uuid', { name: 'card_id' }) cardId!: string;
  @Column('smallint') bits!: number;
}
