/**
 * Notifications API (CONTRACT §4 + docs/contract-extensions.md): request and response schemas
 * shared by the server (validation, OpenAPI) and the web app (types).
 */
import { z } from 'zod';

export const NOTIFICATION_CHANNELS = ['zalo', 'sms', 'email', 'push', 'webhook', 'in_app'] as const;
export const NotificationChannelSchema = z.enum(NOTIFICATION_CHANNELS);
export const NOTIFICATION_STATUSES = ['pending', 'sent', 'delivered', 'failed', 'skipped'] as const;
export const NOTIFICATION_EVENTS = ['check_in', 'check_out', 'absent'] as const;
export const NotificationEventSchema = z.enum(NOTIFICATION_EVENTS);

/** One message to one guardian about one event (`GET /students/{id}/notifications`, a school's day). */
export const NotificationSchema = z.object({
  id: z.string().uuid(),
  studentId: z.string().uuid(),
  guardianId: z.string().uuid().nullable(),
  event: z.string(),
  /** The channel in use or that sent/delivered it; null while none was chosen. */
  channel: NotificationChannelSchema.nullable(),
  channelsTried: z.array(NotificationChannelSchema),
  status: z.enum(NOTIFICATION_STATUSES),
  /** What was sent (null until sent). */
  text: z.string().nullable(),
  /** The school-local day the event is about. */
  day: z.string().nullable(),
  /** The event's instant (the tap's time). */
  eventAt: z.string(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  attempts: z.number().int(),
  /** `failed`: why; `skipped`: `stale`, `no_consent`, `opted_out`, `no_channel`, `not_absent`, `no_school_day`; pending: the last transient error or `quiet_hours`. */
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  resendOf: z.string().uuid().nullable(),
});
export type Notification = z.infer<typeof NotificationSchema>;
export const NotificationListSchema = z.array(NotificationSchema);
/** Older names (the first response schema of the student's list). */
export const StudentNotificationSchema = NotificationSchema;
export type StudentNotification = Notification;
export const StudentNotificationsSchema = NotificationListSchema;

/** `?limit=&cursor=` of the paged lists (§4: default and maximum 10,000; `Link: rel="next"`). */
export const NotificationPageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  cursor: z.string().max(200).optional(),
});
export const SchoolNotificationsQuerySchema = NotificationPageQuerySchema.extend({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
});

/** `POST /notifications/{id}/resend` → the new message. */
export const ResendResponseSchema = z.object({ id: z.string().uuid(), resendOf: z.string().uuid() });

export const CONSENT_METHODS = [
  'paper_form',
  'in_person',
  'phone_call',
  'parent_app',
  'import',
  'seed',
] as const;

/** `POST /guardians/{id}/consents`: grant or withdraw consent for channels. */
export const ConsentChangeSchema = z.object({
  channels: z.array(NotificationChannelSchema).min(1),
  granted: z.boolean(),
  /** How the guardian gave it (a parent in the app: always `parent_app`). */
  method: z.enum(CONSENT_METHODS),
  note: z.string().max(500).optional(),
});
export const ConsentRecordSchema = z.object({
  channel: NotificationChannelSchema,
  granted: z.boolean(),
  at: z.string(),
  recordedBy: z.string().nullable(),
  method: z.enum(CONSENT_METHODS),
  note: z.string().nullable(),
});
/** `GET /guardians/{id}/consents`: in force now, and every record (who, when, how). */
export const GuardianConsentsSchema = z.object({
  guardianId: z.string().uuid(),
  inForce: z.array(NotificationChannelSchema),
  records: z.array(ConsentRecordSchema),
});

/** A provider's delivery-report callback, accepted: how many notifications it settled. */
export const ProviderCallbackResultSchema = z.object({ updated: z.number().int() });

/** `GET /me/guardians`: the guardian records the signed-in parent is (their consent and channels are theirs to set). */
export const MyGuardianSchema = z.object({
  guardianId: z.string().uuid(),
  name: z.string(),
  studentIds: z.array(z.string().uuid()),
});
export const MyGuardiansSchema = z.array(MyGuardianSchema);
export type MyGuardian = z.infer<typeof MyGuardianSchema>;
export type GuardianConsents = z.infer<typeof GuardianConsentsSchema>;
export type NotificationPreferencesView = z.infer<typeof NotificationPreferencesResponseSchema>;

/** `POST /schools/{id}/consents` (the same body for every guardian of the school) → how many guardians. */
export const SchoolConsentResponseSchema = z.object({ guardians: z.number().int() });

/** `GET|PUT /guardians/{id}/notification-preferences`. */
export const NotificationPreferencesSchema = z.object({
  /** Channels in the guardian's order (an empty list: SMS when there is a phone). */
  channels: z.array(NotificationChannelSchema).max(6),
  /** Events the guardian does not want to be told about. */
  optedOutEvents: z.array(NotificationEventSchema),
});
export const NotificationPreferencesPatchSchema = NotificationPreferencesSchema.partial();
export const NotificationPreferencesResponseSchema = NotificationPreferencesSchema.extend({
  guardianId: z.string().uuid(),
  /** The list the worker uses (the default applied). */
  effectiveChannels: z.array(NotificationChannelSchema),
});

/** `PUT /schools/{id}/webhook`: the school's app; the secret is shown to nobody afterwards. */
export const WebhookRegistrationSchema = z.object({
  url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'http(s) URL'),
  secret: z.string().min(16).max(200),
});
export const WebhookResponseSchema = z.object({
  schoolId: z.string().uuid(),
  url: z.string(),
  createdAt: z.string(),
});

/** Socket.IO `notification` to the parent's page (in-app channel). */
export interface LiveNotification {
  id: string;
  event: string;
  guardianId: string;
  title: string;
  text: string;
  at: string;
}
