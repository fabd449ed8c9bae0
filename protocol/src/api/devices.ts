import { z } from 'zod';
import { InstantSchema, UuidSchema } from './common.js';

export const RegisterDeviceSchema = z.object({ schoolId: UuidSchema, name: z.string().trim().min(1).max(200) });

/** `POST /devices`: the broker login of the new gateway (the password shown once). */
export const GatewayCredentialsSchema = z.object({ gatewayId: z.string(), mqttUsername: z.string(), mqttPassword: z.string() });
export type GatewayCredentialsView = z.infer<typeof GatewayCredentialsSchema>;

/** `GET /schools/{schoolId}/devices`: gateways of a school, no secrets. */
export const GatewayViewSchema = z.object({
  gatewayId: z.string(),
  schoolId: UuidSchema,
  name: z.string(),
  online: z.boolean(),
  version: z.string().nullable(),
  queue: z.number().int().nullable(),
  terminals: z.array(z.object({ id: z.string(), online: z.boolean(), lastSeen: z.string().nullable().optional() }).passthrough()),
  lastSeenAt: z.union([InstantSchema, z.date()]).nullable(),
  revokedAt: z.union([InstantSchema, z.date()]).nullable(),
  createdAt: z.union([InstantSchema, z.date()]),
});
export type GatewayView = z.infer<typeof GatewayViewSchema>;
export const GatewayViewsSchema = z.array(GatewayViewSchema);
