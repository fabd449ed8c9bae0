import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A class (lớp) of a school, e.g. `6A`; names unique within the school. */
@Entity('classes')
export class SchoolClass {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  @Column('text') name!: string;
  @Column('smallint', { nullable: true }) grade!: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
