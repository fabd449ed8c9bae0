import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { TerminalStatus } from '@rfid/protocol';

/**
 * A school's gateway (MQTT client). `id` is its MQTT username and topic segment. The secret is kept
 * only as `secret_hash` (see devices/gateway-secret.ts for why SHA-256 and not argon2).
 */
@Entity('gateways')
export class Gateway {
  @PrimaryColumn('text') id!: string;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'secret_hash' }) secretHash!: string;
  /** The secret replaced by the last rotation, accepted until `previousSecretExpiresAt`. */
  @Column('text', { name: 'previous_secret_hash', nullable: true }) previousSecretHash!: string | null;
  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt!: Date | null;
  @Column('timestamptz', { name: 'secret_rotated_at', nullable: true }) secretRotatedAt!: Date | null;
  @Column('boolean', { default: false }) online!: boolean;
  @Column('text', { nullable: true }) version!: string | null;
  @Column('integer', { nullable: true }) queue!: number | null;
  @Column('jsonb', { default: () => "'[]'" }) terminals!: TerminalStatus[];
  @Column('timestamptz', { name: 'last_seen_at', nullable: true }) lastSeenAt!: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** A terminal (reader) of a gateway, known from taps and status messages; direction set by an admin. */
@Entity('terminals')
export class Terminal {
  @PrimaryColumn('text', { name: 'gateway_id' }) gatewayId!: string;
  @PrimaryColumn('text') id!: string;
  @Column('uuid', { name: 'school_id' }) schoolId!: string;
  /** Fixed direction of the reader (gate IN / gate OUT); null → from the tap or the time window. */
  @Column('text', { nullable: true }) direction!: 'in' | 'out' | null;
  @Column('boolean', { default: false }) online!: boolean;
  @Column('timestamptz', { name: 'last_seen_at', nullable: true }) lastSeenAt!: Date | null;
}
