import fc from 'fast-check';
import {
  AcksMessageSchema,
  CommandMessageSchema,
  MAX_MESSAGE_BYTES,
  parsePayload,
  RosterMessageSchema,
  StatusMessageSchema,
  TapsMessageSchema,
  type Tap,
} from './messages.js';
import { isUuidV7, newTapId } from './ids.js';

const tap = (over: Partial<Tap> = {}): Tap => ({
  id: newTapId(),
  terminal: 'gate-1',
  card: 'em4100:40:0415AB36C1',
  raw: '0415AB36C14D',
  at: '2026-11-23T06:52:10.123+07:00',
  seq: 1,
  ...over,
});

describe('payload schemas (CONTRACT §3)', () => {
  it('accepts a contract-shaped taps message', () => {
    const r = parsePayload(
      TapsMessageSchema,
      JSON.stringify({ taps: [tap(), tap({ seq: 2, direction: 'out' })] }),
    );
    expect(r.ok).toBe(true);
  });

  it('names what is wrong with a bad tap', () => {
    const r = parsePayload(TapsMessageSchema, JSON.stringify({ taps: [tap({ at: '2026-11-23 06:52' })] }));
    expect(r).toEqual({ ok: false, error: expect.stringContaining('taps.0.at') });
    const noOffset = parsePayload(
      TapsMessageSchema,
      JSON.stringify({ taps: [tap({ at: '2026-11-23T06:52:10' })] }),
    );
    expect(noOffset.ok).toBe(false);
  });

  it('refuses empty, oversized and over-long messages, and bad JSON', () => {
    expect(parsePayload(TapsMessageSchema, '{"taps":[]}').ok).toBe(false);
    expect(
      parsePayload(TapsMessageSchema, JSON.stringify({ taps: Array.from({ length: 501 }, () => tap()) })).ok,
    ).toBe(false);
    expect(parsePayload(TapsMessageSchema, Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20))).toEqual({
      ok: false,
      error: expect.stringMatching(/^oversized/),
    });
    expect(parsePayload(TapsMessageSchema, '{"taps":')).toEqual({
      ok: false,
      error: expect.stringMatching(/^bad JSON/),
    });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
        for (const schema of [
          TapsMessageSchema,
          AcksMessageSchema,
          StatusMessageSchema,
          RosterMessageSchema,
          CommandMessageSchema,
        ]) {
          expect(typeof parsePayload(schema as never, s).ok).toBe('boolean');
        }
      }),
    );
  });

  it('accepts status, will, roster and commands', () => {
    const status = {
      online: true,
      version: '0.1.0',
      queue: 3,
      terminals: [{ id: 'g1', online: true, lastSeen: null }],
      at: '2026-11-23T06:52:10+07:00',
    };
    expect(parsePayload(StatusMessageSchema, JSON.stringify(status)).ok).toBe(true);
    expect(parsePayload(StatusMessageSchema, '{"online":false}').ok).toBe(true);
    expect(
      parsePayload(
        RosterMessageSchema,
        JSON.stringify({ version: 4, cards: [{ card: 'em4100:24:AB36C1', name: 'Y Liên', class: '6A' }] }),
      ).ok,
    ).toBe(true);
    const cmd = { id: newTapId(), type: 'time', serverTime: '2026-11-23T00:00:00Z' };
    expect(parsePayload(CommandMessageSchema, JSON.stringify(cmd))).toEqual({ ok: true, value: cmd });
    expect(parsePayload(CommandMessageSchema, JSON.stringify({ ...cmd, type: 'reboot' })).ok).toBe(false);
  });

  it('makes time-ordered UUIDv7 tap ids', () => {
    const ids = Array.from({ length: 1000 }, newTapId);
    expect(ids.every(isUuidV7)).toBe(true);
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });
});
