/**
 * The one interface every notification channel implements (Novu's provider shape): a channel only
 * translates one message into its provider's protocol and says how that went. Who is told, on which
 * channel, when, and what happens after a failure is decided by the notifications policy and worker,
 * never here. Each channel is one file (`*.channel.ts`) and runs the shared contract suite.
 */

/** Channels as a guardian's preference list names them (`guardians.channels`). */
export const CHANNEL_NAMES = ['zalo', 'sms', 'email', 'push', 'webhook', 'in_app'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Who the message is for, as the channel needs it (only what it needs: minimum personal data). */
export interface Recipient {
  guardianId: string;
  name: string;
  /** As stored (already normalised by the directory); a channel formats it for its provider. */
  phone: string | null;
  email: string | null;
  zaloId: string | null;
  schoolId: string;
  /** The parent user linked to the guardian (in-app channel), when there is one. */
  userId?: string | null;
  /** `staff`: the school's staff (staff alerts; `guardianId` empty), not a guardian. Default `guardian`. */
  audience?: 'guardian' | 'staff';
}

/** One message about one event of one student for one guardian. */
export interface OutgoingMessage {
  /** The notification id (UUID): the provider's idempotency key (ZNS `tracking_id`, eSMS `RequestId`, `X-Notification-Id`). */
  id: string;
  /** `check_in`, `check_out`, `absent`, or a staff event (`terminal_offline`, …). */
  event: string;
  locale: 'vi' | 'en';
  /** Title (e-mail subject, push title). */
  title: string;
  /** The rendered text, with diacritics; a channel that cannot carry them strips them itself. */
  text: string;
  /** Structured fields for template channels (ZNS `template_data`): `student_name`, `school_name`, `class_name`, `time`, `date`. */
  params: Record<string, string>;
  recipient: Recipient;
}

export type SendResult =
  /** The provider accepted the message (not yet delivered). */
  | { outcome: 'sent'; providerMessageId?: string }
  /** The channel knows it reached the recipient (in-app to a connected page). */
  | { outcome: 'delivered' }
  /** Transient: 5xx, time-out, rate limited. The worker retries with back-off. */
  | { outcome: 'retry'; error: string; retryAfterMs?: number }
  /**
   * Permanent for this message. `forRecipient: true` when the channel can never reach this
   * guardian (Zalo -118 no account, invalid number, hard bounce, push subscription gone): the
   * worker then falls back to the guardian's next channel. `false`: a bad request or template; no
   * fallback (another channel would fail the same way or the fault is ours).
   */
  | { outcome: 'failed'; error: string; forRecipient: boolean };

/** A provider's delivery-report callback, as the HTTP layer received it. */
export interface ProviderCallback {
  method: 'GET' | 'POST';
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** The exact bytes of the body (signatures are computed over them). */
  rawBody: Buffer;
}

export interface DeliveryReport {
  /** Our notification id (ZNS `tracking_id`, eSMS `RequestId`). */
  notificationId: string;
  status: 'delivered' | 'failed';
  at: Date;
  error?: string;
  /**
   * The provider's message id the report names (eSMS `SMSID`, ZNS `msg_id`). For a provider that
   * does not sign its callbacks (eSMS) the caller must refuse a report whose id is not the one the
   * send returned for that notification.
   */
  providerMessageId?: string;
}

export interface NotificationChannel {
  readonly name: ChannelName;
  /** Whether this channel can address the recipient at all (a phone for SMS/Zalo, an e-mail, a subscription). */
  canReach(recipient: Recipient): boolean | Promise<boolean>;
  /** Send once. Must not throw for provider errors: map them to a `SendResult`. `signal` aborts on time-out. */
  send(message: OutgoingMessage, signal: AbortSignal): Promise<SendResult>;
  /** What the worker may do at once against this provider. */
  readonly limits: { concurrency: number; perSecond: number };
  /** Releases what the channel holds open (the e-mail channel's SMTP connection pool) at shutdown. */
  close?(): void | Promise<void>;
  /** Providers that call back: verify the callback as the provider documents and read its reports. */
  readonly reports?: {
    /** Throws `CallbackRejected` for a forged or unknown callback. */
    parse(callback: ProviderCallback): DeliveryReport[];
  };
}

export class CallbackRejected extends Error {
  override readonly name = 'CallbackRejected';
  readonly code = 'callback_rejected';
}
