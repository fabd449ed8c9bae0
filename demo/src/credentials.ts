/**
 * The demo's secrets, made once and kept under the data directory so a second start reuses the
 * same data and logins (file mode 0600). A real deployment sets ADMIN_PASSWORD and JWT_SECRET.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const CredentialsSchema = z.object({
  adminPassword: z.string(),
  jwtSecret: z.string(),
  users: z.array(
    z.object({ role: z.string(), username: z.string(), password: z.string(), scope: z.string() }),
  ),
  gateways: z.record(
    z.string(),
    z.object({ gatewayId: z.string(), mqttUsername: z.string(), mqttPassword: z.string() }),
  ),
});
export type DemoCredentials = z.infer<typeof CredentialsSchema>;

export function randomPassword(): string {
  return randomBytes(12).toString('base64url'); // 16 characters: above the 12-character minimum
}

export function loadOrCreateCredentials(file: string): DemoCredentials {
  if (existsSync(file)) return CredentialsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const creds: DemoCredentials = {
    adminPassword: randomPassword(),
    jwtSecret: randomBytes(32).toString('base64url'),
    users: [],
    gateways: {},
  };
  saveCredentials(file, creds);
  return creds;
}

export function saveCredentials(file: string, creds: DemoCredentials): void {
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
}
