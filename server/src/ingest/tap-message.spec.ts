import { parseTapsMessage } from './tap-message.js';

const topic = 'rfid/v1/11111111-1111-4111-8111-111111111111/gw-1/taps';
const tap = (over: Record<string, unknown> = {}) => ({
  id: '019ab000-0000-7000-8000-000000000001',
  terminal: 't1',
  card: 'em4100:40:0415AB36C1',
  raw: '0415AB36C1',
  at: '2026-11-23T06:52:10.123+07:00',
  seq: 1,
  ...over,
});
const parse = (body: unknown, t = topic) =>
  parseTapsMessage(t, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('parseTapsMessage', () => {
  it('accepts a valid message and normalises ids to lower case', () => {
    const r = parse({ taps: [tap({ id: '019AB000-0000-7000-8000-000000000001' })] });
    expect(r.dead).toEqual([]);
    expect(r.taps).toHaveLength(1);
    expect(r.taps[0]).toMatchObject({
      id: '019ab000-0000-7000-8000-000000000001',
      cardId: { tech: 'em4100', bits: 40, hex: '0415AB36C1' },
    });
    expect(r.taps[0]!.atDate.toISOString()).toBe('2026-11-22T23:52:10.123Z');
  });

  it('keeps the good taps and dead-letters each bad one with its reason and id', () => {
    const bad1 = tap({ id: '019ab000-0000-7000-8000-000000000002', card: 'em4100:16:ABCD' });
    const bad2 = tap({ id: '019ab000-0000-7000-8000-000000000003', at: '2026-11-23 06:52' });
    const r = parse({ taps: [tap(), bad1, bad2, { nonsense: true }] });
    expect(r.taps.map((t) => t.id)).toEqual(['019ab000-0000-7000-8000-000000000001']);
    expect(r.dead.map((d) => [d.code, d.tapId])).toEqual([
      ['bad_tap', bad1.id],
      ['bad_tap', bad2.id],
      ['bad_tap', null],
    ]);
    expect(r.dead[0]!.reason).toMatch(/card/);
    expect(r.deadTapIds).toEqual([bad1.id, bad2.id]);
  });

  it('folds a tap repeated inside one message', () => {
    expect(parse({ taps: [tap(), tap()] }).taps).toHaveLength(1);
  });

  it('dead-letters whole messages that are not taps messages', () => {
    expect(parse('{"taps": [').dead[0]).toMatchObject({ code: 'bad_json', gatewayId: 'gw-1' });
    expect(parse({ taps: [] }).dead[0]!.code).toBe('bad_schema');
    expect(parse({ tap: tap() }).dead[0]!.code).toBe('bad_schema');
    expect(parse({ taps: [tap()] }, 'rfid/v1/x/gw-1/status').dead[0]!.code).toBe('bad_topic');
    expect(parse({ taps: [tap()] }, 'other/topic').dead[0]).toMatchObject({
      code: 'bad_topic',
      schoolId: null,
    });
    const big = parseTapsMessage(topic, Buffer.alloc(300 * 1024, 0x20));
    expect(big.dead[0]!.code).toBe('oversized');
    expect(big.dead[0]!.payload.length).toBeLessThanOrEqual(64 * 1024);
  });
});
