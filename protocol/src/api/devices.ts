import { z } from 'zod';
import { InstantSchema, UuidSchema } from './common.js';

export const RegisterDeviceSchema = z.object({
  schoolId: UuidSchema,
  name: z.string().trim().min(1).max(200),
});

/** `POST /devices`: the broker login of the new gateway (the password shown once). */
export const GatewayCredentialsSchema = z.object({
  gatewayId: z.string(),
  mqttUsername: z.string(),
  mqttPassword: z.string(),
});

/**
 * A ready gateway config file (gateway/README.md): broker URL, login, the CA to trust when the
 * broker speaks TLS, the school's time zone; terminals are added on site (`rfid-gateway detect`).
 */
export const GatewayConfigFileSchema = z.object({
  schoolId: z.string(),
  gatewayId: z.string(),
  mqtt: z.object({ url: z.string(), username: z.string(), password: z.string(), ca: z.string().optional() }),
  dataDir: z.string(),
  timeZone: z.string(),
  terminals: z.array(z.object({ id: z.string(), source: z.string(), format: z.string() }).passthrough()),
});
export type GatewayConfigFile = z.infer<typeof GatewayConfigFileSchema>;

/** `POST /devices` answer: the credentials and, beside them, the same as a gateway config file. */
export const RegisteredGatewaySchema = GatewayCredentialsSchema.extend({ config: GatewayConfigFileSchema });
export type RegisteredGatewayView = z.infer<typeof RegisteredGatewaySchema>;
export type GatewayCredentialsView = z.infer<typeof GatewayCredentialsSchema>;

/** `POST /devices/{gatewayId}/secret`: rotate the gateway's broker secret; the old one is accepted for `graceSeconds`. */
export const RotateSecretSchema = z.object({
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional(),
});
/** The new secret (shown once), until when the old one works, and whether the gateway was sent it by `cmd`. */
export const RotatedSecretSchema = GatewayCredentialsSchema.extend({
  previousSecretValidUntil: z.string(),
  sentToGateway: z.boolean(),
});
export type RotatedSecretView = z.infer<typeof RotatedSecretSchema>;

/** `GET /schools/{schoolId}/devices`: gateways of a school, no secrets. */
export const GatewayViewSchema = z.object({
  gatewayId: z.string(),
  schoolId: UuidSchema,
  name: z.string(),
  online: z.boolean(),
  version: z.string().nullable(),
  queue: z.number().int().nullable(),
  terminals: z.array(
    z
      .object({ id: z.string(), online: z.boolean(), lastSeen: z.string().nullable().optional() })
      .passthrough(),
  ),
  lastSeenAt: z.union([InstantSchema, z.date()]).nullable(),
  revokedAt: z.union([InstantSchema, z.date()]).nullable(),
  createdAt: z.union([InstantSchema, z.date()]),
});
export type GatewayView = z.infer<typeof GatewayViewSchema>;
export const GatewayViewsSchema = z.array(GatewayViewSchema);
