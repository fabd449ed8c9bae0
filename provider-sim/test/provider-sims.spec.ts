import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CallbackRecorder, ESMS_SEND_PATH, startProviderSims, type ProviderSims } from '../src/index.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const built = existsSync(cli);
if (!built)
  console.warn('provider-sim CLI test skipped: provider-sim/dist/cli.js is not built (npm run build)');
const describeBuilt = built ? describe : describe.skip;

describe('provider sims together, and the demo inbox', () => {
  let sims: ProviderSims;
  const recorder = new CallbackRecorder();
  beforeAll(async () => {
    await recorder.start();
    sims = await startProviderSims({ callbackBase: recorder.url('') });
  });
  afterAll(async () => {
    await sims.stop();
    await recorder.stop();
  });

  it('gives the §6 variables that point at them', () => {
    expect(sims.env).toMatchObject({
      SMS_PROVIDER: 'esms',
      ESMS_URL: sims.esms.url,
      ZALO_ZNS_URL: sims.zalo.url,
      ZALO_OAUTH_URL: sims.zalo.url,
      SMTP_URL: sims.smtp.url,
    });
    expect(JSON.parse(sims.env.ZALO_TEMPLATES!)).toEqual({
      check_in: '100001',
      check_out: '100002',
      absent: '100003',
    });
    expect(Buffer.from(sims.env.VAPID_PUBLIC_KEY!, 'base64url')).toHaveLength(65);
  });

  it('an SMS sent twice with one RequestId is one message in the inbox, escaped, and its report calls back once', async () => {
    const body = {
      ApiKey: sims.env.ESMS_API_KEY,
      SecretKey: sims.env.ESMS_SECRET_KEY,
      Phone: '0912345678',
      Content: 'Em <b>Nguyen Van An</b> da den truong luc 06:52',
      Brandname: sims.env.ESMS_BRANDNAME,
      SmsType: '2',
      IsUnicode: '0',
      RequestId: '9f1c2d3e-4b5a-4c6d-8e7f-001122334455',
    };
    const send = async (): Promise<{ CodeResult: string; SMSID: string }> =>
      (await (
        await fetch(`${sims.esms.url}${ESMS_SEND_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { CodeResult: string; SMSID: string };
    const a = await send();
    const b = await send();
    expect(a.CodeResult).toBe('100');
    expect(b).toEqual(a);
    await sims.esms.flushReports();
    expect(recorder.received.filter((r) => r.path === '/api/v1/providers/esms/callback')).toEqual([
      expect.objectContaining({
        method: 'GET',
        query: expect.objectContaining({ SMSID: a.SMSID, RequestId: body.RequestId, SendStatus: '5' }),
      }),
    ]);
    const json = (await (await fetch(`${sims.inbox.url}/inbox.json`)).json()) as {
      channel: string;
      to: string;
      requests: number;
    }[];
    expect(json).toEqual([expect.objectContaining({ channel: 'sms', to: '0912345678', requests: 2 })]);
    const page = await fetch(sims.inbox.url);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('&lt;b&gt;Nguyen Van An&lt;/b&gt;');
    expect(html).toContain('<meta http-equiv="refresh"');
    expect(html).not.toMatch(/<script|style=/);
  });
});

describeBuilt('provider-sim CLI (skipped when provider-sim/dist/cli.js is not built)', () => {
  it('the CLI prints one ready line with the variables and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [cli], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      const deadline = Date.now() + 15_000;
      while (!out.includes('\n') && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 20));
      const ready = JSON.parse(out.split('\n')[0]!) as { ready: boolean; env: Record<string, string> };
      expect(ready.ready).toBe(true);
      expect(ready.env.ESMS_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
