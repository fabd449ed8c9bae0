/**
 * Web Push service stand-in (what FCM / Mozilla autopush are to a browser): it hands out browser
 * subscriptions (a P-256 key pair and an auth secret per subscription, as `PushManager.subscribe`
 * makes them), and on `POST /push/{id}` checks what RFC 8030/8291/8292 require — `TTL`,
 * `Content-Encoding: aes128gcm`, `Authorization: vapid t=<JWT>, k=<key>` with an ES256 JWT whose
 * `aud` is this origin, `exp` within 24 h and `sub` a mailto:/https: contact — then decrypts the
 * payload with the subscription's private key. A subscription can be expired (410 Gone); an
 * unknown one is 404, as push services answer.
 *
 * Idempotency: RFC 8030 §5.4 `Topic` — a message with the topic of one still held replaces it, so
 * the stand-in keeps one message per topic (the push channel sends the notification id as topic).
 */
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  randomUUID,
  verify,
  type ECDH,
} from 'node:crypto';
import { HttpStandIn, type Received, type Routed } from './http-stand-in.js';

export interface BrowserSubscription {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface PushReceived {
  subscriptionId: string;
  /** The decrypted payload (UTF-8). */
  payload: string;
  /** Parsed when it is JSON. */
  json: unknown;
  topic: string | null;
  urgency: string | null;
  ttl: number;
  vapid: { sub: string; aud: string; exp: number; publicKey: string };
}

interface Sub {
  ecdh: ECDH;
  auth: Buffer;
  gone: boolean;
}

export interface WebPushStandInOptions {
  port?: number;
  host?: string;
  /** The application server key subscriptions were made for (`VAPID_PUBLIC_KEY`): others get 403, as push services check. */
  vapidPublicKey?: string;
  now?: () => number;
}

const b64u = (b: Buffer): string => b.toString('base64url');

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, len: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, len));
}

/** RFC 8291 §3.4 + RFC 8188: the plaintext of an aes128gcm body for this subscription's keys. */
export function decryptAes128gcm(body: Buffer, uaPrivate: ECDH, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  if (idlen !== 65) throw new Error('keyid is not an uncompressed P-256 public key');
  const records = body.subarray(21 + idlen);
  if (records.length > rs) throw new Error('more than one record is not a Web Push message');
  const uaPublic = uaPrivate.getPublicKey();
  const ecdhSecret = uaPrivate.computeSecret(asPublic);
  const ikm = hkdf(
    ecdhSecret,
    authSecret,
    Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]),
    32,
  );
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(records.subarray(records.length - 16));
  const padded = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('last record lacks the 0x02 padding delimiter');
  return padded.subarray(0, end);
}

/** RFC 8292: `vapid t=<jwt>, k=<p256 public key>`, an ES256 JWT for this origin. Throws why not. */
export function verifyVapid(header: string | undefined, origin: string, now: number): PushReceived['vapid'] {
  const m = /^vapid\s+(.+)$/i.exec(header ?? '');
  if (!m) throw new Error('Authorization is not vapid');
  const params = Object.fromEntries(
    m[1]!
      .split(',')
      .map((p) => p.trim().split('=') as [string, string])
      .map(([k, v]) => [k.trim(), v?.trim() ?? '']),
  );
  const jwt = params.t;
  const k = params.k;
  if (!jwt || !k) throw new Error('vapid t= or k= missing');
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) throw new Error('t is not a JWT');
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (head.alg !== 'ES256') throw new Error('JWT alg is not ES256');
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 key');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) },
    format: 'jwk',
  });
  if (
    !verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s, 'base64url'),
    )
  )
    throw new Error('JWT signature does not verify');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
    aud?: string;
    exp?: number;
    sub?: string;
  };
  if (claims.aud !== origin) throw new Error(`JWT aud ${String(claims.aud)} is not ${origin}`);
  const nowSec = Math.floor(now / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec || claims.exp > nowSec + 24 * 3600)
    throw new Error('JWT exp not within the next 24 h');
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub))
    throw new Error('JWT sub is not a mailto: or https: contact');
  return { sub: claims.sub, aud: claims.aud, exp: claims.exp, publicKey: k };
}

export class WebPushStandIn extends HttpStandIn<PushReceived> {
  readonly kind = 'web-push';
  private readonly subs = new Map<string, Sub>();
  private readonly now: () => number;
  /** Requests refused, with why (tests: a bad JWT or payload is visible, not silent). */
  readonly refused: { subscriptionId: string; status: number; reason: string }[] = [];

  constructor(private readonly opts: WebPushStandInOptions = {}) {
    super(opts);
    this.now = opts.now ?? Date.now;
  }

  /** A new browser subscription, as `PushSubscription.toJSON()` gives it to the page. */
  subscribe(): BrowserSubscription {
    const id = randomUUID();
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.subs.set(id, { ecdh, auth, gone: false });
    return {
      endpoint: `${this.url}/push/${id}`,
      expirationTime: null,
      keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) },
    };
  }

  /** The browser unsubscribed or the user revoked permission: the push service answers 410. */
  expire(endpoint: string): void {
    const sub = this.subs.get(endpoint.split('/').pop() ?? '');
    if (sub) sub.gone = true;
  }

  forSubscription(endpoint: string): Received<PushReceived>[] {
    const id = endpoint.split('/').pop();
    return this.messages().filter((m) => m.body.subscriptionId === id);
  }

  protected route(
    method: string,
    url: URL,
    body: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): Routed | null {
    // A "browser" subscribing (demo seeds): what PushManager.subscribe() would hand the page.
    if (method === 'POST' && url.pathname === '/subscribe') return { status: 201, json: this.subscribe() };
    const m = /^\/push\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (method !== 'POST' || !m) return null;
    this.requestCount += 1;
    const id = m[1]!;
    const refuse = (status: number, reason: string): Routed => {
      this.refused.push({ subscriptionId: id, status, reason });
      return { status, json: { code: status, errno: status, error: reason, message: reason } };
    };
    const sub = this.subs.get(id);
    if (!sub) return refuse(404, 'Subscription not found');
    if (sub.gone) return refuse(410, 'Subscription has expired or was unsubscribed');
    const header = (n: string): string | undefined => {
      const v = headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    const ttl = Number(header('ttl'));
    if (header('ttl') === undefined || !Number.isInteger(ttl) || ttl < 0)
      return refuse(400, 'TTL header missing');
    let vapid: PushReceived['vapid'];
    try {
      vapid = verifyVapid(header('authorization'), new URL(this.url).origin, this.now());
    } catch (e) {
      return refuse(401, (e as Error).message);
    }
    if (this.opts.vapidPublicKey && vapid.publicKey !== this.opts.vapidPublicKey)
      return refuse(403, 'VAPID key is not the one the subscription was made with');
    if (header('content-encoding') !== 'aes128gcm') return refuse(415, 'Content-Encoding is not aes128gcm');
    if (body.length > 4096) return refuse(413, 'Payload too large');
    let payload: string;
    try {
      payload = decryptAes128gcm(body, sub.ecdh, sub.auth).toString('utf8');
    } catch (e) {
      return refuse(400, `cannot decrypt: ${(e as Error).message}`);
    }
    const topic = header('topic') ?? null;
    if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic))
      return refuse(400, 'Topic is not up to 32 URL-safe base64 characters');
    let json: unknown = null;
    try {
      json = JSON.parse(payload);
    } catch {
      json = null;
    }
    const { rec } = this.record(topic ? `${id}:${topic}` : `${id}:${randomUUID()}`, () => ({
      providerMessageId: randomUUID(),
      to: `${this.url}/push/${id}`,
      body: { subscriptionId: id, payload, json, topic, urgency: header('urgency') ?? null, ttl, vapid },
    }));
    return { status: 201, text: '', headers: { location: `${this.url}/message/${rec.providerMessageId}` } };
  }
}
