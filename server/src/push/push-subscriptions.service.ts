import { Inject, Injectable } from '@nestjs/common';
import type { PushSubscriptionBody, PushSubscriptionView, PushUnsubscribeResult } from '@rfid/protocol';
import type { Caller } from '../auth/caller.js';
import { DomainError } from '../common/domain-error.js';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { Database } from '../db/database.service.js';
import { PushSubscriptionRepository } from '../notifications/channels/push-subscription.repository.js';

@Injectable()
export class PushSubscriptionsService {
  private readonly repo: PushSubscriptionRepository;

  constructor(
    db: Database,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {
    this.repo = new PushSubscriptionRepository(db.pool);
  }

  /** `VAPID_PUBLIC_KEY` when Web Push is configured (§6), else null. */
  vapidPublicKey(): string | null {
    const c = this.config;
    return c.vapidPublicKey && c.vapidPrivateKey && c.vapidSubject ? c.vapidPublicKey : null;
  }

  /** Registers the browser for the caller's own guardian records; 404 when the caller is no guardian. */
  async subscribe(
    caller: Caller,
    body: PushSubscriptionBody,
    userAgent: string | null,
  ): Promise<PushSubscriptionView> {
    const n = await this.repo.registerForUser(
      caller.userId,
      { endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth },
      userAgent?.slice(0, 300) ?? null,
    );
    if (n === 0) throw new DomainError('not_found', 'no guardian record is linked to this user');
    return { endpoint: body.endpoint, guardians: n };
  }

  async unsubscribe(caller: Caller, endpoint: string): Promise<PushUnsubscribeResult> {
    return { removed: await this.repo.unregisterForUser(caller.userId, endpoint) };
  }
}
