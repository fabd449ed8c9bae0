import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One card touch, append-only, stored exactly once by its gateway-made UUIDv7 `id`.
 * A plain table (not partitioned): see docs in server/README.md ("taps table").
 */
@Entity('taps')
export class TapRow {
  @PrimaryColumn('uuid') id!: string;
  /** When the card touched the reader (the gateway's stamp), not when it arrived. */
  @Column('timestamptz') at!: Date;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  @Column('text', { name: 'gateway_id' }) gatewayId!: string;
  @Column('text') terminal!: string;
  /** The read as sent, `tech:bits:HEX`. */
  @Column('text') card!: string;
  @Column('text') raw!: string;
  @Column('bigint') seq!: string;
  @Column('text', { nullable: true }) direction!: 'in' | 'out' | null;
  /** Null for a card not enrolled (kept for enrolment). */
  @Column('uuid', { name: 'card_id', nullable: true }) cardId!: string | null;
  @Column('uuid', { name: 'student_id', nullable: true }) studentId!: string | null;
  /** The school-local date of `at`. */
  @Column('date', { name: 'local_date' }) localDate!: string;
  @Column('timestamptz', { name: 'received_at', default: () => 'now()' }) receivedAt!: Date;
}
