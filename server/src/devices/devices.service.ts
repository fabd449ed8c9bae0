import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Gateway, School } from '../db/entities/index.js';
import { DomainError } from '../common/domain-error.js';
import { hashGatewaySecret, newGatewayId, newGatewaySecret, verifyGatewaySecret } from './gateway-secret.js';
import { CLOCK } from '../config/config.js';
import type { Clock } from '@rfid/protocol';

export interface GatewayIdentity {
  gatewayId: string;
  schoolId: string;
  secretHash: string;
  revoked: boolean;
  /** The secret before the last rotation and until when it is still accepted (the grace period). */
  previousSecretHash?: string | null;
  previousSecretExpiresAt?: Date | null;
}

/** A rotated secret: the new one (shown once) and until when the old one still works. */
export interface RotatedSecret {
  gatewayId: string;
  schoolId: string;
  mqttUsername: string;
  mqttPassword: string;
  previousSecretValidUntil: Date;
}

/** Grace period of a rotation when none is given: a day, time for a box on a slow link to pick it up. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

export interface GatewayCredentials {
  gatewayId: string;
  mqttUsername: string;
  /** Shown once; only its hash is stored. */
  mqttPassword: string;
  schoolId: string;
}

const CACHE_TTL_MS = 30_000;

/**
 * Broker accounts kept beside the registry (e.g. Mosquitto dynamic security on an external
 * broker). A registration completes only when every hook has created the gateway's account.
 */
export interface GatewayAccountHook {
  created(credentials: GatewayCredentials): Promise<void>;
  revoked(gatewayId: string): Promise<void>;
  /** The gateway's secret was rotated (an account that holds one password switches to the new one). */
  rotated?(credentials: GatewayCredentials): Promise<void>;
}

/**
 * Registered gateways: registration (issuing the MQTT secret) and the cached identity lookups the
 * broker's connect path and the ingest path need on every message.
 */
@Injectable()
export class DevicesService {
  private readonly cache = new Map<string, { identity: GatewayIdentity | null; at: number }>();
  private readonly accountHooks: GatewayAccountHook[] = [];

  constructor(
    @InjectRepository(Gateway) private readonly gateways: Repository<Gateway>,
    @InjectRepository(School) private readonly schools: Repository<School>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async register(schoolId: string, name: string): Promise<GatewayCredentials> {
    if (!(await this.schools.existsBy({ id: schoolId })))
      throw new DomainError('not_found', `school ${schoolId} not found`);
    const gatewayId = newGatewayId();
    const secret = newGatewaySecret();
    await this.gateways.insert({
      id: gatewayId,
      schoolId,
      name: name.normalize('NFC').trim(),
      secretHash: hashGatewaySecret(secret),
    });
    this.cache.delete(gatewayId);
    const credentials = { gatewayId, mqttUsername: gatewayId, mqttPassword: secret, schoolId };
    try {
      for (const hook of this.accountHooks) await hook.created(credentials);
    } catch (e) {
      await this.gateways.delete({ id: gatewayId });
      throw new DomainError(
        'unavailable',
        `the broker did not accept gateway ${gatewayId}: ${(e as Error).message}`,
      );
    }
    return credentials;
  }

  addAccountHook(hook: GatewayAccountHook): void {
    this.accountHooks.push(hook);
  }

  async revoke(gatewayId: string): Promise<void> {
    await this.gateways.update({ id: gatewayId }, { revokedAt: this.clock.now() });
    this.cache.delete(gatewayId);
    for (const hook of this.accountHooks) await hook.revoked(gatewayId);
  }

  /**
   * A new secret for a gateway; the old one stays valid for `graceSeconds` (0: refused at once)
   * where the broker can hold two (the embedded one), so a gateway can switch without a gap. `announce` tells the gateway (its `…/cmd`) before the broker
   * accounts switch: an external Mosquitto holds one password and closes the session when it
   * changes, so the gateway must have the new secret first. `sentToGateway`: announce succeeded.
   */
  async rotateSecret(
    gatewayId: string,
    graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS,
    announce?: (r: RotatedSecret) => Promise<void>,
  ): Promise<RotatedSecret & { sentToGateway: boolean }> {
    const g = await this.gateways.findOneBy({ id: gatewayId });
    if (!g || g.revokedAt !== null) throw new DomainError('not_found', `gateway ${gatewayId} not found`);
    const secret = newGatewaySecret();
    const now = this.clock.now();
    const previousSecretValidUntil = new Date(now.getTime() + graceSeconds * 1000);
    await this.gateways.update(
      { id: gatewayId },
      {
        secretHash: hashGatewaySecret(secret),
        previousSecretHash: g.secretHash,
        previousSecretExpiresAt: previousSecretValidUntil,
        secretRotatedAt: now,
      },
    );
    this.cache.delete(gatewayId);
    const credentials = { gatewayId, mqttUsername: gatewayId, mqttPassword: secret, schoolId: g.schoolId };
    const rotated = { ...credentials, previousSecretValidUntil };
    let sentToGateway = false;
    if (announce)
      sentToGateway = await announce(rotated).then(
        () => true,
        () => false,
      );
    for (const hook of this.accountHooks) await hook.rotated?.(credentials);
    return { ...rotated, sentToGateway };
  }

  async schoolTimeZone(schoolId: string): Promise<string | null> {
    return (
      (await this.schools.findOne({ where: { id: schoolId }, select: { id: true, timeZone: true } }))
        ?.timeZone ?? null
    );
  }

  async listForSchool(schoolId: string): Promise<Gateway[]> {
    return this.gateways.find({ where: { schoolId }, order: { createdAt: 'ASC' } });
  }

  /** Cached identity (30 s); null for an unknown gateway. */
  async lookup(gatewayId: string): Promise<GatewayIdentity | null> {
    const hit = this.cache.get(gatewayId);
    if (hit && this.clock.now().getTime() - hit.at < CACHE_TTL_MS) return hit.identity;
    const g = await this.gateways.findOneBy({ id: gatewayId });
    const identity = g
      ? {
          gatewayId: g.id,
          schoolId: g.schoolId,
          secretHash: g.secretHash,
          revoked: g.revokedAt !== null,
          previousSecretHash: g.previousSecretHash,
          previousSecretExpiresAt: g.previousSecretExpiresAt,
        }
      : null;
    this.cache.set(gatewayId, { identity, at: this.clock.now().getTime() });
    return identity;
  }

  /** The identity when the credentials are right and the gateway is not revoked. */
  async authenticate(username: string, password: string | Buffer): Promise<GatewayIdentity | null> {
    const identity = await this.lookup(username);
    if (!identity || identity.revoked) return null;
    if (verifyGatewaySecret(password, identity.secretHash)) return identity;
    const { previousSecretHash: old, previousSecretExpiresAt: until } = identity;
    if (old && until && this.clock.now().getTime() < until.getTime() && verifyGatewaySecret(password, old))
      return identity;
    return null;
  }
}
