import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** CONTRACT §4: `pending` (waiting, held by quiet hours, retrying), `sent`, `delivered`, `failed`, `skipped`. */
export const OUTBOX_STATUSES = ['pending', 'sent', 'delivered', 'failed', 'skipped'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * One message about one event of one student for one guardian, recorded (event only) in the same
 * transaction as what caused it, and drained by the notification worker, which claims due rows
 * with row locks that skip locked rows (SKIP LOCKED) and a lease, picks the channel and renders the text.
 */
@Entity('notification_outbox')
export class NotificationOutbox {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Null for a staff alert's message (`staffAlertId`). */
  @Column('uuid', { name: 'student_id', nullable: true }) studentId!: string | null;
  /** The staff alert a message to the school's staff belongs to (`staff_alerts`). */
  @Column('uuid', { name: 'staff_alert_id', nullable: true }) staffAlertId!: string | null;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  @Column('uuid', { name: 'guardian_id', nullable: true }) guardianId!: string | null;
  @Column('uuid', { name: 'tap_id', nullable: true }) tapId!: string | null;
  /** The school-local day a day's event is about; one such event per day and guardian. */
  @Column('date', { nullable: true }) day!: string | null;
  /** `check_in`, `check_out`, `absent` */
  @Column('text') event!: string;
  /** The channel in use (or that sent/delivered); null until the worker chooses one. */
  @Column('text', { nullable: true }) channel!: string | null;
  /** Channels that failed for this guardian (fallback moved on). */
  @Column('text', { name: 'channels_tried', array: true, default: () => "'{}'" }) channelsTried!: string[];
  @Column('text', { default: 'pending' }) status!: OutboxStatus;
  /** The text rendered and sent (null until sent). */
  @Column('text', { nullable: true }) text!: string | null;
  /** When the event happened (the tap's time): staleness is measured from it. */
  @Column('timestamptz', { name: 'event_at' }) eventAt!: Date;
  /** Template fields the writer knew (`late`). */
  @Column('jsonb', { default: () => "'{}'" }) params!: Record<string, unknown>;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  /** Null: due now. */
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt!: Date | null;
  @Column('text', { name: 'locked_by', nullable: true }) lockedBy!: string | null;
  @Column('timestamptz', { name: 'locked_until', nullable: true }) lockedUntil!: Date | null;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) deliveredAt!: Date | null;
  @Column('integer', { default: 0 }) attempts!: number;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('text', { name: 'provider_message_id', nullable: true }) providerMessageId!: string | null;
  /** A resend by a school user repeats this notification. */
  @Column('uuid', { name: 'resend_of', nullable: true }) resendOf!: string | null;
  @Column('uuid', { name: 'resent_by', nullable: true }) resentBy!: string | null;
}
