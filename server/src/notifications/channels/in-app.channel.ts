/**
 * `in_app`: the parent's own page (Socket.IO). A guardian linked to a parent user is reachable;
 * the message goes to that user's room (`parent:<userId>`) as a typed `notification` event. A
 * connected page means it was shown (`delivered`); otherwise it waits in the page's list (`sent`).
 */
import type { LiveService } from '../../live/live.service.js';
import type { NotificationChannel, OutgoingMessage, Recipient, SendResult } from './channel.js';

export class InAppChannel implements NotificationChannel {
  readonly name = 'in_app' as const;
  readonly limits = { concurrency: 64, perSecond: 5_000 };
  /** `now`: the server's injected clock (the time the page shows). */
  constructor(
    private readonly live: LiveService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  canReach(recipient: Recipient): boolean {
    return recipient.userId != null;
  }

  send(message: OutgoingMessage): Promise<SendResult> {
    const userId = message.recipient.userId;
    if (!userId)
      return Promise.resolve({ outcome: 'failed', error: 'no_parent_account', forRecipient: true });
    const shown = this.live.emitToParent(userId, {
      id: message.id,
      event: message.event,
      guardianId: message.recipient.guardianId,
      title: message.title,
      text: message.text,
      at: this.now().toISOString(),
    });
    return Promise.resolve(shown ? { outcome: 'delivered' } : { outcome: 'sent' });
  }
}
