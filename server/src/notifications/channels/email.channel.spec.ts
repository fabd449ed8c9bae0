import { SmtpStandIn } from '@rfid/provider-sim';
import type { Recipient } from './channel.js';
import { channelContract, contractMessage } from './channel.contract.js';
import { EmailChannel } from './email.channel.js';

const USER = 'thongbao@dongda.edu.vn';
const PASSWORD = 'smtp-pass-Wq7r2Kd9x';
const FROM = '"Trường THCS Đống Đa" <thongbao@dongda.edu.vn>';

function guardian(email: string | null): Recipient {
  return { guardianId: 'g-1', name: 'Trần Thị Bình', phone: null, email, zaloId: null, schoolId: 's-1' };
}

const contractSmtp = new SmtpStandIn({ user: USER, password: PASSWORD, bouncing: ['khongton@example.vn'] });
let contractChannel: EmailChannel;

channelContract('email (SMTP)', {
  async setup() {
    await contractSmtp.start();
    contractChannel = new EmailChannel({ smtpUrl: contractSmtp.url, from: FROM });
    return contractChannel;
  },
  async teardown() {
    contractChannel.close();
    await contractSmtp.stop();
  },
  reachable: () => guardian('binh.tran@example.vn'),
  unreachable: () => guardian('not an address'),
  receivedFor: (id) =>
    contractSmtp.messages().filter((m) => m.body.headers['x-notification-id'] === id).length,
  down: () => contractSmtp.down('error'),
  up: () => contractSmtp.up(),
  slow: (ms) => contractSmtp.slow(ms),
  permanentFailure: () => ({ recipient: guardian('khongton@example.vn'), forRecipient: true }),
});

describe('email (SMTP): what the mailbox receives', () => {
  const smtp = new SmtpStandIn({ user: USER, password: PASSWORD });
  let channel: EmailChannel;
  beforeAll(async () => {
    await smtp.start();
    channel = new EmailChannel({ smtpUrl: smtp.url, from: FROM });
  });
  afterAll(async () => {
    channel.close();
    await smtp.stop();
  });

  it('a UTF-8 subject and body with diacritics, MAIL_FROM, Message-ID from the notification id', async () => {
    const m = contractMessage(guardian('binh.tran@example.vn'));
    expect(await channel.send(m, AbortSignal.timeout(5000))).toEqual({
      outcome: 'sent',
      providerMessageId: `<${m.id}@dongda.edu.vn>`,
    });
    const got = smtp.message(`${m.id}@dongda.edu.vn`);
    expect(got?.body).toMatchObject({
      from: 'thongbao@dongda.edu.vn',
      to: ['binh.tran@example.vn'],
      subject: 'Nguyễn Văn Ấn đã đến trường',
      text: expect.stringContaining('Em Nguyễn Văn Ấn (lớp 6A) đã đến trường lúc 06:52'),
    });
    expect(got?.body.headers['x-notification-id']).toBe(m.id);
    expect(got?.body.headers.from).toContain('=?UTF-8?');
    expect(got?.body.html).toContain('Đống Đa');
  });

  it('a wrong password is retry (the operator fixes it), not a bounce', async () => {
    const u = new URL(smtp.url);
    u.password = 'wrong-password-123';
    const wrong = new EmailChannel({ smtpUrl: u.toString(), from: FROM });
    try {
      expect(
        await wrong.send(contractMessage(guardian('binh.tran@example.vn')), AbortSignal.timeout(5000)),
      ).toMatchObject({ outcome: 'retry', error: expect.stringContaining('535') });
    } finally {
      wrong.close();
    }
  });
});
