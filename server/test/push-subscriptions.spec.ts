/**
 * The parent's Web Push registration over HTTP: a parent registers its browser for its own guardian
 * record only, and the push channel then reaches that browser (a Web Push stand-in that decrypts).
 */
import { WebPushStandIn } from '@rfid/provider-sim';
import { PushSubscriptionViewSchema, VapidPublicKeySchema } from '@rfid/protocol';
import webpush from 'web-push';
import { contractMessage } from '../src/notifications/channels/channel.contract.js';
import { PushChannel, type PushPayload } from '../src/notifications/channels/push.channel.js';
import { PushSubscriptionRepository } from '../src/notifications/channels/push-subscription.repository.js';
import { Database } from '../src/db/database.service.js';
import { asAdmin, login, type ApiClient } from './support/api.js';
import { seedSchool, startTestServer, type SeededSchool, type TestServer } from './support/test-server.js';

describe('push subscriptions API', () => {
  let server: TestServer;
  let a: SeededSchool;
  let guardianId: string;
  let parent: ApiClient;
  let otherParent: ApiClient;
  let school: ApiClient;
  const service = new WebPushStandIn();
  const created = (r: { status: number; body: unknown }): void => {
    if (r.status !== 201) throw new Error(`setup: expected 201, got ${r.status} ${JSON.stringify(r.body)}`);
  };

  beforeAll(async () => {
    await service.start();
    server = await startTestServer();
    const admin = await asAdmin(server);
    a = await seedSchool(server.directory, 2);
    const g = await server.directory.addGuardian(a.students[0]!.id, {
      name: 'Nguyễn Thị Hoa',
      phone: '0912345678',
    });
    guardianId = g.id;
    const school1 = await admin.post('/users', {
      username: 'school.push',
      password: 'school-push-password-1',
      role: 'school',
      schoolId: a.schoolId,
    });
    created(school1);
    school = await login(server, 'school.push', 'school-push-password-1');
    created(
      await school.post('/users', {
        username: 'parent.push',
        password: 'parent-push-password-1',
        role: 'parent',
        guardianIds: [g.id],
      }),
    );
    parent = await login(server, 'parent.push', 'parent-push-password-1');
    created(
      await admin.post('/users', {
        username: 'parent.nolink',
        password: 'parent-nolink-password',
        role: 'parent',
        studentIds: [a.students[1]!.id],
      }),
    );
    otherParent = await login(server, 'parent.nolink', 'parent-nolink-password');
  });
  afterAll(async () => {
    await server?.stop();
    await service.stop();
  });

  it('the VAPID public key is behind a token and shaped as documented', async () => {
    const anon = (await fetch(`${server.httpUrl}/api/v1/push/vapid-public-key`)).status;
    expect(anon).toBe(401);
    const r = await parent.get('/push/vapid-public-key');
    expect(r.status).toBe(200);
    expect(VapidPublicKeySchema.parse(r.body)).toEqual(r.body);
  });

  it('a parent registers its browser for its own guardian record; the push channel then reaches it', async () => {
    const sub = service.subscribe();
    const r = await parent.post('/push/subscriptions', sub);
    expect(r.status).toBe(201);
    expect(PushSubscriptionViewSchema.parse(r.body)).toEqual({ endpoint: sub.endpoint, guardians: 1 });
    expect((await parent.post('/push/subscriptions', sub)).status).toBe(201); // the page re-registers on each visit: still one row

    const db = server.app.get(Database);
    const repo = new PushSubscriptionRepository(db.pool);
    expect(await repo.countForGuardian(guardianId)).toBe(1);
    const vapid = webpush.generateVAPIDKeys();
    const channel = new PushChannel({
      publicKey: vapid.publicKey,
      privateKey: vapid.privateKey,
      subject: 'mailto:thongbao@truong.edu.vn',
      subscriptions: repo,
    });
    const m = contractMessage({
      guardianId,
      name: 'Nguyễn Thị Hoa',
      phone: null,
      email: null,
      zaloId: null,
      schoolId: a.schoolId,
    });
    expect(await channel.send(m, AbortSignal.timeout(5000))).toEqual({ outcome: 'sent' });
    expect(service.forSubscription(sub.endpoint).map((x) => (x.body.json as PushPayload).id)).toEqual([m.id]);

    expect((await parent.request('DELETE', '/push/subscriptions', { endpoint: sub.endpoint })).body).toEqual({
      removed: 1,
    });
    expect(await repo.countForGuardian(guardianId)).toBe(0);
  });

  it('refuses a bad body, a parent with no guardian record, and staff', async () => {
    const sub = service.subscribe();
    expect(
      (await parent.post('/push/subscriptions', { ...sub, keys: { p256dh: 'short', auth: sub.keys.auth } }))
        .status,
    ).toBe(400);
    expect(
      (await parent.post('/push/subscriptions', { ...sub, endpoint: 'javascript:alert(1)' })).status,
    ).toBe(400);
    expect((await otherParent.post('/push/subscriptions', sub)).status).toBe(404);
    expect((await school.post('/push/subscriptions', sub)).status).toBe(403);
  });
});
