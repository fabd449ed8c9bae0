import type { DeviceUser, UserCommand } from './adms-store.js';
import { ClockOffsetEstimator, planUserSync, type WantedUser } from './adms-sync.js';

const want = (...users: WantedUser[]) => new Map(users.map((u) => [u.pin, u]));
const held = (
  pin: number,
  name: string,
  card: string,
  origin: DeviceUser['origin'] = 'gateway',
): DeviceUser => ({ pin, name, card, origin });
const cmd = (
  id: number,
  pin: number,
  kind: 'update' | 'delete',
  state: 'queued' | 'sent',
  name = '',
  card = '',
): UserCommand => ({
  id,
  sn: 'SN1',
  pin,
  kind,
  name,
  card,
  state,
  tries: state === 'sent' ? 1 : 0,
  nextAt: 0,
});

describe('planUserSync', () => {
  it('adds the missing, updates the renamed, deletes the gone; leaves users made at the device alone', () => {
    const plan = planUserSync(
      want(
        { pin: 10001, name: 'Y Lien', card: '11' },
        { pin: 10002, name: 'A Sang', card: '12' },
        { pin: 10004, name: 'Moi', card: '14' },
      ),
      [
        held(10001, 'Y Lien', '11'),
        held(10002, 'A Sang cu', '12'),
        held(10003, 'Da nghi', '13'),
        held(55, 'Thay Binh', '4467393', 'device'),
      ],
      [],
    );
    expect(plan.supersede).toEqual([]);
    expect(plan.queue).toEqual([
      { pin: 10002, kind: 'update', name: 'A Sang', card: '12' },
      { pin: 10003, kind: 'delete', name: '', card: '' },
      { pin: 10004, kind: 'update', name: 'Moi', card: '14' },
    ]);
  });

  it('keeps an open command that says what is wanted and supersedes one that no longer does', () => {
    const plan = planUserSync(
      want({ pin: 10001, name: 'Y Lien', card: '11' }),
      [],
      [cmd(1, 10001, 'update', 'sent', 'Y Lien', '11'), cmd(2, 10002, 'update', 'sent', 'Gone', '12')],
    );
    expect(plan.queue).toEqual([{ pin: 10002, kind: 'delete', name: '', card: '' }]);
    expect(plan.supersede).toEqual([2]);
  });

  it('is done when the terminal holds the roster', () => {
    expect(planUserSync(want({ pin: 1, name: 'A', card: '1' }), [held(1, 'A', '1')], [])).toEqual({
      queue: [],
      supersede: [],
    });
  });
});

describe('ClockOffsetEstimator', () => {
  const opts = { toleranceMs: 10_000, windowMs: 30 * 60_000, minSpanMs: 2 * 60_000, maxSamples: 200 };
  const T = Date.parse('2026-12-01T07:00:00+07:00');

  it('trusts a fast clock at once (a push cannot come before its punch)', () => {
    const e = new ClockOffsetEstimator(opts);
    expect(e.sample(T + 3_600_000 - 800, T)).toBe(3_600_000 - 800);
  });

  it('takes push delays within the tolerance as a right clock', () => {
    const e = new ClockOffsetEstimator(opts);
    expect(e.sample(T - 2_000, T)).toBe(0);
  });

  it('does not take a backlog pushed after a reconnect for a slow clock', () => {
    const e = new ClockOffsetEstimator(opts);
    for (let i = 0; i < 10; i++) expect(e.sample(T - 2 * 3_600_000 + i * 1000, T + i * 200)).toBeUndefined();
    expect(e.sample(T + 5_000 - 500, T + 5_000)).toBe(0); // live punches again
  });

  it('trusts a slow clock when every push over two minutes agrees', () => {
    const e = new ClockOffsetEstimator(opts);
    let offset: number | undefined;
    for (let s = 0; s <= 150; s += 10) offset = e.sample(T + s * 1000 - 600_000, T + s * 1000 + 300);
    expect(offset).toBe(-600_300);
  });

  it('starts from the saved offset', () => {
    expect(new ClockOffsetEstimator(opts, -5000).offsetMs).toBe(-5000);
  });
});
