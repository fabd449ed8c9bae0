import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Phòng GD&ĐT: a district's education office. */
@Entity('districts')
export class District {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Administrative code, e.g. `PGD01`; unique. */
  @Column('text', { unique: true }) code!: string;
  @Column('text') name!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
