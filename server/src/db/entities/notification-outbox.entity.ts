import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * A message to a guardian, written in the same transaction as the tap that caused it, sent later
 * by a notifier (SMS, Zalo, e-mail) that claims pending rows with FOR UPDATE SKIP LOCKED.
 */
@Entity('notification_outbox')
export class NotificationOutbox {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'student_id' }) studentId!: string;
  @Column('uuid', { name: 'guardian_id', nullable: true }) guardianId!: string | null;
  @Column('uuid', { name: 'tap_id', nullable: true }) tapId!: string | null;
  /** The school-local day a day's event is about; one such event per day, guardian and channel. */
  @Column('date', { nullable: true }) day!: string | null;
  /** `check_in`, `check_out`, `absent`, … */
  @Column('text') event!: string;
  @Column('text') channel!: string;
  @Column('text', { default: 'pending' }) status!: OutboxStatus;
  @Column('text') text!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
  @Column('integer', { default: 0 }) attempts!: number;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
}
