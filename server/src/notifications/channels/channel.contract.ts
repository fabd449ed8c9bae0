/**
 * The one contract every channel passes (as MQTT.js's `abstract_store` is run by every store):
 * a channel's spec calls `channelContract(adapter)` with how to start its stand-in, read what the
 * stand-in received and make it fail. Assertions are about what the provider *received*, counted
 * as messages (idempotency key deduped as the real provider does), never about what we logged.
 *
 * Not part of the build (see tsconfig.json); only specs import it.
 */
import { randomUUID } from 'node:crypto';
import {
  CallbackRejected,
  type NotificationChannel,
  type OutgoingMessage,
  type ProviderCallback,
  type Recipient,
  type SendResult,
} from './channel.js';

export interface ChannelContractAdapter {
  /** Starts the stand-in (and whatever the channel needs) and builds the channel against it. */
  setup(): Promise<NotificationChannel>;
  teardown(): Promise<void>;
  /** A recipient the channel reaches; and one it cannot address at all (`canReach` false). */
  reachable(): Recipient;
  unreachable(): Recipient;
  /** Distinct messages the stand-in holds for this notification id (0 or 1 when all is well). */
  receivedFor(id: string): number | Promise<number>;
  /** Provider unreachable (connection refused or 5xx) / back. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Every answer waits this long (0 = back to normal). */
  slow(ms: number): void;
  /**
   * A message the provider refuses for good; `forRecipient` says whether the refusal is about the
   * guardian (fallback to the next channel) or about the message.
   */
  permanentFailure():
    | { recipient?: Recipient; message?: Partial<OutgoingMessage>; forRecipient: boolean }
    | Promise<{ recipient?: Recipient; message?: Partial<OutgoingMessage>; forRecipient: boolean }>;
  /** Channels whose provider calls back: the stand-in's genuine callback for this id, as the HTTP layer would see it. */
  callbackFor?(id: string): Promise<ProviderCallback>;
  /** Forged or unknown variants of a genuine callback, each to be refused. */
  forgeries?(genuine: ProviderCallback): ProviderCallback[];
}

export function contractMessage(recipient: Recipient, over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    id: randomUUID(),
    event: 'check_in',
    locale: 'vi',
    title: 'Nguyễn Văn Ấn đã đến trường',
    text: 'Em Nguyễn Văn Ấn (lớp 6A) đã đến trường lúc 06:52, ngày 02/12/2026. Trường THCS Đống Đa.',
    params: {
      student_name: 'Nguyễn Văn Ấn',
      school_name: 'THCS Đống Đa',
      class_name: '6A',
      time: '06:52',
      date: '02/12/2026',
    },
    recipient,
    ...over,
  };
}

function accepted(r: SendResult): boolean {
  return r.outcome === 'sent' || r.outcome === 'delivered';
}

const signal = (): AbortSignal => AbortSignal.timeout(10_000);

export function channelContract(label: string, adapter: ChannelContractAdapter): void {
  describe(`${label}: channel contract`, () => {
    let channel: NotificationChannel;

    beforeAll(async () => {
      channel = await adapter.setup();
    });
    afterAll(async () => {
      await adapter.teardown();
    });

    it('sends one message, which the provider holds once under the notification id', async () => {
      const m = contractMessage(adapter.reachable());
      const r = await channel.send(m, signal());
      expect(r).toMatchObject({ outcome: expect.stringMatching(/^(sent|delivered)$/) });
      expect(await adapter.receivedFor(m.id)).toBe(1);
    });

    it('a second send with the same id is not a second message', async () => {
      const m = contractMessage(adapter.reachable());
      const first = await channel.send(m, signal());
      const again = await channel.send(m, signal());
      expect(accepted(first)).toBe(true);
      expect(accepted(again)).toBe(true);
      expect(await adapter.receivedFor(m.id)).toBe(1);
    });

    it('the provider down is retry; back, the message goes once', async () => {
      const m = contractMessage(adapter.reachable());
      await adapter.down();
      try {
        const r = await channel.send(m, signal());
        expect(r.outcome).toBe('retry');
      } finally {
        await adapter.up();
      }
      expect(await adapter.receivedFor(m.id)).toBe(0);
      expect(accepted(await channel.send(m, signal()))).toBe(true);
      expect(await adapter.receivedFor(m.id)).toBe(1);
    });

    it('a provider slower than the time-out is retry, not an error thrown', async () => {
      const m = contractMessage(adapter.reachable());
      adapter.slow(1_000);
      try {
        const r = await channel.send(m, AbortSignal.timeout(150));
        expect(r.outcome).toBe('retry');
      } finally {
        adapter.slow(0);
      }
    });

    it('a permanent refusal is failed, for the recipient only when it is about them', async () => {
      const p = await adapter.permanentFailure();
      const m = contractMessage(p.recipient ?? adapter.reachable(), p.message);
      const r = await channel.send(m, signal());
      expect(r).toMatchObject({ outcome: 'failed', forRecipient: p.forRecipient });
      expect(await adapter.receivedFor(m.id)).toBe(0);
    });

    it('canReach says whether the recipient can be addressed at all', async () => {
      expect(await channel.canReach(adapter.reachable())).toBe(true);
      expect(await channel.canReach(adapter.unreachable())).toBe(false);
    });

    if (adapter.callbackFor) {
      const callbackFor = adapter.callbackFor.bind(adapter);
      it('reports.parse reads the provider’s real delivery report and refuses forged ones', async () => {
        expect(channel.reports).toBeDefined();
        const m = contractMessage(adapter.reachable());
        expect(accepted(await channel.send(m, signal()))).toBe(true);
        const genuine = await callbackFor(m.id);
        const reports = channel.reports!.parse(genuine);
        expect(reports).toEqual([
          expect.objectContaining({ notificationId: m.id, status: 'delivered', at: expect.any(Date) }),
        ]);
        const forged = adapter.forgeries?.(genuine) ?? [];
        expect(forged.length).toBeGreaterThan(0);
        for (const f of forged) expect(() => channel.reports!.parse(f)).toThrow(CallbackRejected);
      });
    }
  });
}
