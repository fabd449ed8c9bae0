import { z } from 'zod';

const base64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url')
    .refine(
      (s) => Math.floor((s.replace(/=+$/, '').length * 6) / 8) === bytes,
      `must be ${bytes} bytes, base64url`,
    );

/** `POST /push/subscriptions`: what `PushSubscription.toJSON()` gives the parent's page. */
export const PushSubscriptionBodySchema = z.object({
  endpoint: z
    .string()
    .url()
    .max(2048)
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: base64url(65), auth: base64url(16) }),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBodySchema>;

/** `DELETE /push/subscriptions`. */
export const PushUnsubscribeBodySchema = z.object({ endpoint: z.string().url().max(2048) });

/** Answer of `POST /push/subscriptions`: the endpoint and how many of the parent's guardian records it now serves. */
export const PushSubscriptionViewSchema = z.object({ endpoint: z.string(), guardians: z.number().int() });
export type PushSubscriptionView = z.infer<typeof PushSubscriptionViewSchema>;

/** Answer of `DELETE /push/subscriptions`. */
export const PushUnsubscribeResultSchema = z.object({ removed: z.number().int() });
export type PushUnsubscribeResult = z.infer<typeof PushUnsubscribeResultSchema>;

/** `GET /push/vapid-public-key`: the application server key for `PushManager.subscribe`; null when push is off. */
export const VapidPublicKeySchema = z.object({ publicKey: z.string().nullable() });
export type VapidPublicKey = z.infer<typeof VapidPublicKeySchema>;
