import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const NOTIFICATION_CHANNELS = ['sms', 'zalo', 'email', 'push', 'webhook', 'in_app'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** A parent or guardian; one guardian may have several students (siblings). */
@Entity('guardians')
export class Guardian {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { nullable: true }) phone!: string | null;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('text', { name: 'zalo_id', nullable: true }) zaloId!: string | null;
  /** Channels the guardian wants messages on, in order of preference. */
  @Column('text', { array: true, default: () => "'{}'" }) channels!: NotificationChannel[];
  /** Events the guardian does not want to be told about (`check_in`, `check_out`, `absent`). */
  @Column('text', { name: 'opted_out_events', array: true, default: () => "'{}'" }) optedOutEvents!: string[];
  /** Login of the guardian (role `parent`), when they have one. */
  @Column('uuid', { name: 'user_id', nullable: true }) userId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('student_guardians')
export class StudentGuardian {
  @PrimaryColumn('uuid', { name: 'student_id' }) studentId!: string;
  @PrimaryColumn('uuid', { name: 'guardian_id' }) guardianId!: string;
  /** cha, mẹ, ông, bà, người giám hộ … */
  @Column('text', { nullable: true }) relation!: string | null;
}
