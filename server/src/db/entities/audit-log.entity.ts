import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Who changed what, append-only. */
@Entity('audit_log')
export class AuditLogEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('timestamptz', { default: () => 'now()' }) at!: Date;
  @Column('uuid', { name: 'user_id', nullable: true }) userId!: string | null;
  /** `user:<name>`, `system`, `gateway:<id>` … */
  @Column('text') actor!: string;
  /** e.g. `card.lost`, `attendance.set`, `student.import`. */
  @Column('text') action!: string;
  @Column('text') entity!: string;
  @Column('text', { name: 'entity_id', nullable: true }) entityId!: string | null;
  @Column('uuid', { name: 'school_id', nullable: true }) schoolId!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) details!: Record<string, unknown>;
}
