import { DEFAULT_TIME_ZONE } from '@rfid/protocol';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A school with its calendar and the rules of its day. Times of day are `HH:MM` in the school's
 * own IANA zone; school days are ISO weekdays (1 = Monday … 7 = Sunday).
 */
@Entity('schools')
export class School {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'district_id' }) districtId!: string;
  /** Ministry school code, e.g. `KT0001`; unique. */
  @Column('text', { unique: true }) code!: string;
  @Column('text') name!: string;
  /** TH, THCS, THPT … */
  @Column('text', { nullable: true }) level!: string | null;
  @Column('text', { name: 'time_zone', default: DEFAULT_TIME_ZONE }) timeZone!: string;
  @Column('smallint', { name: 'school_days', array: true, default: () => "'{1,2,3,4,5,6}'" })
  schoolDays!: number[];
  /** Local dates (`YYYY-MM-DD`) with no school. */
  @Column('date', { array: true, default: () => "'{}'" }) holidays!: string[];
  /** A first IN up to and including this minute is `present`. */
  @Column('text', { name: 'on_time_until', default: '07:00' }) onTimeUntil!: string;
  /** A first IN after on-time and up to this minute is `late` (later still: also `late`). */
  @Column('text', { name: 'late_until', default: '09:00' }) lateUntil!: string;
  /** From this minute, a student with no tap today is `absent` (before it: `pending`). */
  @Column('text', { name: 'absence_cutoff', default: '09:00' }) absenceCutoff!: string;
  /** Taps without a direction inside [checkoutFrom, checkoutUntil] count as OUT. */
  @Column('text', { name: 'checkout_from', default: '16:00' }) checkoutFrom!: string;
  @Column('text', { name: 'checkout_until', default: '18:30' }) checkoutUntil!: string;
  /** First day the school uses the system; days before are not school days (null: no bound). */
  @Column('date', { name: 'starts_on', nullable: true }) startsOn!: string | null;
  /** Local time the day's report is made and submitted to the district. */
  @Column('text', { name: 'report_time', default: '09:00' }) reportTime!: string;
  /** Bumped by a trigger whenever the school's cards, students or classes change. */
  @Column('integer', { name: 'roster_version', default: 0 }) rosterVersion!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
