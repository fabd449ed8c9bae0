import { CallbackRecorder, EsmsStandIn } from '@rfid/provider-sim';
import type { ProviderCallback, Recipient } from './channel.js';
import { channelContract, contractMessage } from './channel.contract.js';
import { SmsChannel } from './sms.channel.js';
import { smsSegments } from './sms-text.js';

const API_KEY = 'esms-api-key-7f3a9c';
const SECRET_KEY = 'esms-secret-key-91bd42e0';

function guardian(phone: string | null): Recipient {
  return { guardianId: 'g-1', name: 'Trần Thị Bình', phone, email: null, zaloId: null, schoolId: 's-1' };
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function toCallback(r: {
  method: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  rawBody: Buffer;
}): ProviderCallback {
  return {
    method: r.method === 'POST' ? 'POST' : 'GET',
    query: r.query,
    headers: r.headers,
    rawBody: r.rawBody,
  };
}

const esms = new EsmsStandIn({ apiKey: API_KEY, secretKey: SECRET_KEY, brandnames: ['THCS-DONGDA'] });
const recorder = new CallbackRecorder();
let channel: SmsChannel;

channelContract('sms (eSMS)', {
  async setup() {
    await recorder.start();
    await esms.start();
    esms.callbackUrl = recorder.url('/api/v1/providers/esms/callback');
    channel = new SmsChannel({
      url: esms.url,
      apiKey: API_KEY,
      secretKey: SECRET_KEY,
      brandname: 'THCS-DONGDA',
    });
    return channel;
  },
  async teardown() {
    await esms.stop();
    await recorder.stop();
  },
  reachable: () => guardian('0912345678'),
  unreachable: () => guardian('02438123456'),
  receivedFor: (id) => (esms.message(id) ? 1 : 0),
  down: () => esms.down('refuse'),
  up: () => esms.up(),
  slow: (ms) => esms.slow(ms),
  permanentFailure: () => ({ recipient: guardian(null), forRecipient: true }),
  async callbackFor(id) {
    return toCallback(
      await until(() => recorder.received.find((r) => r.query.RequestId === id), `eSMS callback for ${id}`),
    );
  },
  forgeries(g) {
    return [
      { ...g, query: { ...g.query, RequestId: 'not-one-of-ours' } },
      { ...g, query: { ...g.query, SMSID: '' } },
      { ...g, query: { ...g.query, SendStatus: '42' } },
      { ...g, method: 'POST' },
    ];
  },
});

describe('sms (eSMS): what the provider receives', () => {
  const esms = new EsmsStandIn({ apiKey: API_KEY, secretKey: SECRET_KEY, brandnames: ['THCS-DONGDA'] });
  beforeAll(async () => {
    await esms.start();
    channel = new SmsChannel({
      url: esms.url,
      apiKey: API_KEY,
      secretKey: SECRET_KEY,
      brandname: 'THCS-DONGDA',
    });
  });
  afterAll(() => esms.stop());

  it('sends §6’s fields: national phone, no diacritics, RequestId = the notification id', async () => {
    const m = contractMessage(guardian('+84 912 345 678'));
    const r = await channel.send(m, AbortSignal.timeout(5000));
    const got = esms.message(m.id);
    expect(r).toEqual({ outcome: 'sent', providerMessageId: got?.providerMessageId });
    expect(got?.body.request).toEqual({
      ApiKey: API_KEY,
      SecretKey: SECRET_KEY,
      Phone: '0912345678',
      Content: 'Em Nguyen Van An (lop 6A) da den truong luc 06:52, ngay 02/12/2026. Truong THCS Dong Da.',
      Brandname: 'THCS-DONGDA',
      SmsType: '2',
      IsUnicode: '0',
      RequestId: m.id,
    });
    expect(got?.body.gsm7).toBe(true);
    expect(got?.body.parts).toBe(1);
  });

  it('counts segments as the phone does and cuts a long text to three SMS', async () => {
    const long = contractMessage(guardian('0987654321'), {
      text: `Thông báo: ${'Học sinh Lê Văn Đức vắng mặt không phép. '.repeat(20)}`,
    });
    expect(channel.content(long).parts).toBe(3);
    await channel.send(long, AbortSignal.timeout(5000));
    const got = esms.message(long.id);
    expect(got?.body.parts).toBe(3);
    expect(got?.body.parts).toBe(smsSegments(got!.body.content).parts);
    expect(got?.body.content).toMatch(/^Thong bao: Hoc sinh Le Van Duc vang mat khong phep\./);
  });

  it('a wrong key is retry (the operator fixes it); a wrong brandname is failed, not for the recipient', async () => {
    const wrongKey = new SmsChannel({
      url: esms.url,
      apiKey: 'wrong-key-123456',
      secretKey: SECRET_KEY,
      brandname: 'THCS-DONGDA',
    });
    expect(
      await wrongKey.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000)),
    ).toMatchObject({ outcome: 'retry', error: expect.stringContaining('101') });
    const wrongBrand = new SmsChannel({
      url: esms.url,
      apiKey: API_KEY,
      secretKey: SECRET_KEY,
      brandname: 'NOT-REGISTERED',
    });
    expect(
      await wrongBrand.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000)),
    ).toMatchObject({ outcome: 'failed', forRecipient: false, error: expect.stringContaining('104') });
  });

  it('5xx is retry; a telco rejection reported later is a failed report', async () => {
    await esms.down('error');
    try {
      expect(
        await channel.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000)),
      ).toMatchObject({ outcome: 'retry', retryAfterMs: 1000 });
    } finally {
      await esms.up();
    }
    const report = channel.reports.parse({
      method: 'GET',
      query: {
        SMSID: 'a1b2c3d4e5f6a7b8',
        SendStatus: '4',
        RequestId: '0b0f3a52-4f7e-4c39-9a64-5cf1b8f9e001',
      },
      headers: {},
      rawBody: Buffer.alloc(0),
    });
    expect(report).toEqual([
      expect.objectContaining({ status: 'failed', providerMessageId: 'a1b2c3d4e5f6a7b8' }),
    ]);
    expect(
      channel.reports.parse({
        method: 'GET',
        query: {
          SMSID: 'a1b2c3d4e5f6a7b8',
          SendStatus: '7',
          RequestId: '0b0f3a52-4f7e-4c39-9a64-5cf1b8f9e001',
        },
        headers: {},
        rawBody: Buffer.alloc(0),
      }),
    ).toEqual([]);
  });
});
