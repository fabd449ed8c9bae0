import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AttendanceStatus } from '@rfid/protocol';

/**
 * A student's attendance on one school-local date. A row exists once the student tapped or a
 * person set it by hand; students with no row are `pending` or `absent` (computed when read).
 */
@Entity('attendance_days')
export class AttendanceDay {
  @PrimaryColumn('uuid', { name: 'student_id' }) studentId!: string;
  @PrimaryColumn('date') date!: string;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  @Column('uuid', { name: 'class_id' }) classId!: string;
  @Column('text') status!: AttendanceStatus;
  @Column('timestamptz', { name: 'first_in', nullable: true }) firstIn!: Date | null;
  @Column('uuid', { name: 'first_in_tap_id', nullable: true }) firstInTapId!: string | null;
  @Column('timestamptz', { name: 'last_out', nullable: true }) lastOut!: Date | null;
  @Column('uuid', { name: 'last_out_tap_id', nullable: true }) lastOutTapId!: string | null;
  /** `tap`: from taps; `manual`: set by a person (taps then update times, never the status). */
  @Column('text', { default: 'tap' }) source!: 'tap' | 'manual';
  @Column('text', { nullable: true }) note!: string | null;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}
