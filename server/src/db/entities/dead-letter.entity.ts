import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const DEAD_LETTER_CODES = [
  'oversized',
  'bad_json',
  'bad_schema',
  'bad_tap',
  'bad_topic',
  'unknown_gateway',
  'school_mismatch',
  'bad_status',
] as const;
export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number];

/** An MQTT message (or one tap of it) that could not be ingested, kept with the reason. */
@Entity('dead_letters')
export class DeadLetter {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('timestamptz', { name: 'received_at', default: () => 'now()' }) receivedAt!: Date;
  @Column('text') topic!: string;
  @Column('text', { name: 'school_id', nullable: true }) schoolId!: string | null;
  @Column('text', { name: 'gateway_id', nullable: true }) gatewayId!: string | null;
  @Column('text') code!: DeadLetterCode;
  @Column('text') reason!: string;
  @Column('text', { name: 'tap_id', nullable: true }) tapId!: string | null;
  /** The payload (or the one bad tap) as text, cut to 64 KiB. */
  @Column('text') payload!: string;
}
