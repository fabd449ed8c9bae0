import pg from 'pg';
import webpush from 'web-push';
import { WebPushStandIn } from '@rfid/provider-sim';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-db.js';
import { insertBareGuardian } from '../../../test/support/fixtures.js';
import type { Recipient } from './channel.js';
import { channelContract, contractMessage } from './channel.contract.js';
import { PushChannel, type PushPayload } from './push.channel.js';
import { PushSubscriptionRepository } from './push-subscription.repository.js';

const VAPID = webpush.generateVAPIDKeys();
const SUBJECT = 'mailto:thongbao@dongda.edu.vn';

let db: TestDatabase;
let pool: pg.Pool;
let repo: PushSubscriptionRepository;

async function newGuardian(): Promise<Recipient> {
  return {
    guardianId: await insertBareGuardian(pool, 'Trần Thị Bình'),
    name: 'Trần Thị Bình',
    phone: null,
    email: null,
    zaloId: null,
    schoolId: 's-1',
  };
}

async function subscribed(service: WebPushStandIn): Promise<{ recipient: Recipient; endpoint: string }> {
  const recipient = await newGuardian();
  const s = service.subscribe();
  await repo.add(recipient.guardianId, { endpoint: s.endpoint, p256dh: s.keys.p256dh, auth: s.keys.auth });
  return { recipient, endpoint: s.endpoint };
}

function channel(): PushChannel {
  return new PushChannel({
    publicKey: VAPID.publicKey,
    privateKey: VAPID.privateKey,
    subject: SUBJECT,
    subscriptions: repo,
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  repo = new PushSubscriptionRepository(pool);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const contractService = new WebPushStandIn({ vapidPublicKey: VAPID.publicKey });
let reachable: Recipient;
let unreachable: Recipient;
let gone: Recipient;

channelContract('push (Web Push)', {
  async setup() {
    await contractService.start();
    reachable = (await subscribed(contractService)).recipient;
    unreachable = await newGuardian();
    const g = await subscribed(contractService);
    contractService.expire(g.endpoint);
    gone = g.recipient;
    return channel();
  },
  teardown: () => contractService.stop(),
  reachable: () => reachable,
  unreachable: () => unreachable,
  receivedFor: (id) =>
    contractService.messages().filter((m) => (m.body.json as PushPayload | null)?.id === id).length,
  down: () => contractService.down('error'),
  up: () => contractService.up(),
  slow: (ms) => contractService.slow(ms),
  permanentFailure: () => ({ recipient: gone, forRecipient: true }),
});

describe('push (Web Push): what the browser receives', () => {
  const service = new WebPushStandIn({ vapidPublicKey: VAPID.publicKey });
  beforeAll(() => service.start());
  afterAll(() => service.stop());

  it('an aes128gcm payload the subscription’s keys decrypt, with diacritics, under a VAPID JWT for the push origin', async () => {
    const { recipient, endpoint } = await subscribed(service);
    const m = contractMessage(recipient);
    expect(await channel().send(m, AbortSignal.timeout(5000))).toEqual({ outcome: 'sent' });
    const [got] = service.forSubscription(endpoint);
    expect(service.refused).toEqual([]);
    expect(got?.body.json).toEqual({
      id: m.id,
      event: 'check_in',
      title: 'Nguyễn Văn Ấn đã đến trường',
      body: m.text,
      lang: 'vi',
    });
    expect(got?.body).toMatchObject({ topic: m.id.replace(/-/g, ''), urgency: 'high', ttl: 4 * 3600 });
    expect(got?.body.vapid).toMatchObject({
      sub: SUBJECT,
      aud: new URL(service.url).origin,
      publicKey: VAPID.publicKey,
    });
  });

  it('a gone subscription (410) is removed; the other browser still gets it; with none left the guardian is unreachable', async () => {
    const { recipient, endpoint } = await subscribed(service);
    const second = service.subscribe();
    await repo.add(recipient.guardianId, {
      endpoint: second.endpoint,
      p256dh: second.keys.p256dh,
      auth: second.keys.auth,
    });
    service.expire(endpoint);
    const ch = channel();
    expect(await ch.send(contractMessage(recipient), AbortSignal.timeout(5000))).toEqual({ outcome: 'sent' });
    expect((await repo.forGuardian(recipient.guardianId)).map((s) => s.endpoint)).toEqual([second.endpoint]);
    service.expire(second.endpoint);
    expect(await ch.send(contractMessage(recipient), AbortSignal.timeout(5000))).toMatchObject({
      outcome: 'failed',
      forRecipient: true,
    });
    expect(await repo.countForGuardian(recipient.guardianId)).toBe(0);
    expect(await ch.canReach(recipient)).toBe(false);
  });

  it('a VAPID key the subscription was not made for is refused (403): failed, not for the recipient, subscription kept', async () => {
    const { recipient } = await subscribed(service);
    const other = webpush.generateVAPIDKeys();
    const wrong = new PushChannel({
      publicKey: other.publicKey,
      privateKey: other.privateKey,
      subject: SUBJECT,
      subscriptions: repo,
    });
    expect(await wrong.send(contractMessage(recipient), AbortSignal.timeout(5000))).toMatchObject({
      outcome: 'failed',
      forRecipient: false,
    });
    expect(await repo.countForGuardian(recipient.guardianId)).toBe(1);
  });
});
