import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A student. `name` is the whole Vietnamese name in NFC, never split into parts. */
@Entity('students')
export class Student {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  @Column('uuid', { name: 'class_id' }) classId!: string;
  /** Mã định danh: the national student code; unique. */
  @Column('text', { name: 'student_code', unique: true }) studentCode!: string;
  @Column('text') name!: string;
  @Column('date', { name: 'birth_date', nullable: true }) birthDate!: string | null;
  @Column('text', { nullable: true }) gender!: string | null;
  @Column('text', { nullable: true }) ethnicity!: string | null;
  @Column('boolean', { default: true }) active!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
