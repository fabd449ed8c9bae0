/**
 * Gateway secrets. A secret is 192 random bits made by the server, not a password a person chose,
 * so a slow hash (argon2, bcrypt) buys nothing: slow hashes only stretch low-entropy guesses, and
 * 2^192 cannot be searched at any speed. Broker auth is on the connect path: after a broker restart
 * 10,000 gateways reconnect at once; SHA-256 costs ~1 µs each (~10 ms in all) where argon2 would
 * cost ~50 ms each (~8 CPU-minutes, a stalled server). The `sha256$` prefix leaves room to change.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newGatewaySecret(): string {
  return randomBytes(24).toString('base64url');
}

export function newGatewayId(): string {
  return `gw-${randomBytes(6).toString('hex')}`;
}

export function hashGatewaySecret(secret: string): string {
  return `sha256$${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

export function verifyGatewaySecret(secret: string | Buffer, stored: string): boolean {
  const [scheme, hex] = stored.split('$');
  if (scheme !== 'sha256' || !hex) return false;
  const got = createHash('sha256').update(secret).digest();
  const want = Buffer.from(hex, 'hex');
  return want.length === got.length && timingSafeEqual(got, want);
}
