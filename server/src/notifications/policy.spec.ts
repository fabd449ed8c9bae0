import type { ChannelName } from './channels/channel.js';
import { backoffMs, decide, decideStaff, quietUntil, type PolicyConfig, type PolicyInput } from './policy.js';
import { inMorningWindow } from './staff-alerts.js';
import { DEFAULT_RULES } from '../attendance/attendance-rules.js';
import { consentInForce } from './consent.js';
import { defaultChannels, preferenceList } from './preferences.js';
import { render } from './templates.js';

const TZ = 'Asia/Ho_Chi_Minh';
const cfg: PolicyConfig = {
  maxAgeMin: 120,
  quietHours: { start: 21 * 60, end: 6 * 60 },
  giveUpAfterMin: 240,
};
const at = (local: string) => new Date(`${local}+07:00`);
const school = { timeZone: TZ, schoolDays: new Set([1, 2, 3, 4, 5]), holidays: new Set(['2026-11-20']) };

function input(p: Partial<PolicyInput> = {}): PolicyInput {
  return {
    event: 'check_in',
    day: '2026-11-23',
    eventAt: at('2026-11-23T06:50:00'),
    createdAt: at('2026-11-23T06:50:01'),
    attempts: 0,
    channelsTried: [],
    preference: ['zalo', 'sms'],
    consented: new Set<ChannelName>(['zalo', 'sms']),
    optedOut: new Set(),
    available: new Set<ChannelName>(['zalo', 'sms']),
    school,
    ...p,
  };
}

describe('notification policy', () => {
  it('absence alerts follow the reports’ calendar when given: not a school day, not enrolled', () => {
    const absent = (calendar: PolicyInput['calendar']) =>
      decide(
        input({ event: 'absent', eventAt: at('2026-11-23T09:00:00'), attendance: null, calendar }),
        at('2026-11-23T09:00:05'),
        cfg,
      );
    expect(absent({ schoolDay: true, enrolled: true })).toEqual({ kind: 'send', channel: 'zalo' });
    expect(absent({ schoolDay: false, enrolled: true })).toEqual({ kind: 'skip', reason: 'no_school_day' });
    expect(absent({ schoolDay: true, enrolled: false })).toEqual({ kind: 'skip', reason: 'not_enrolled' });
  });

  it('staff messages: the school webhook, never about another day, no quiet hours', () => {
    const s = (p: { day?: string; reachable?: boolean; attempts?: number }, now: string) =>
      decideStaff(
        {
          day: p.day ?? '2026-11-23',
          createdAt: at('2026-11-23T06:00:00'),
          attempts: p.attempts ?? 0,
          timeZone: TZ,
          reachable: p.reachable ?? true,
        },
        at(now),
        cfg,
      );
    expect(s({}, '2026-11-23T05:40:00')).toEqual({ kind: 'send', channel: 'webhook' });
    expect(s({ day: '2026-11-22' }, '2026-11-23T06:00:00')).toEqual({ kind: 'skip', reason: 'stale' });
    expect(s({ reachable: false }, '2026-11-23T06:00:00')).toEqual({ kind: 'skip', reason: 'no_channel' });
    expect(s({ attempts: 3 }, '2026-11-23T10:01:00')).toEqual({ kind: 'fail', reason: 'expired' });
  });

  it('the morning window: 90 min before the on-time limit to the late limit, school days only', () => {
    const w = (local: string) => inMorningWindow(at(local), DEFAULT_RULES, 90);
    expect(w('2026-11-23T05:29:00')).toBe(false);
    expect(w('2026-11-23T05:30:00')).toBe(true);
    expect(w('2026-11-23T08:59:00')).toBe(true);
    expect(w('2026-11-23T09:00:00')).toBe(false);
    expect(w('2026-11-29T06:30:00')).toBe(false); // Sunday
  });

  it('sends on the first consented, available channel of the guardian’s list', () => {
    expect(decide(input(), at('2026-11-23T06:50:02'), cfg)).toEqual({ kind: 'send', channel: 'zalo' });
    expect(decide(input({ consented: new Set(['sms']) }), at('2026-11-23T06:50:02'), cfg)).toEqual({
      kind: 'send',
      channel: 'sms',
    });
    expect(decide(input({ available: new Set(['sms']) }), at('2026-11-23T06:50:02'), cfg)).toEqual({
      kind: 'send',
      channel: 'sms',
    });
  });

  it('without consent nothing is sent (no_consent); opted out (opted_out); no configured reachable channel (no_channel)', () => {
    const now = at('2026-11-23T06:51:00');
    expect(decide(input({ consented: new Set() }), now, cfg)).toEqual({ kind: 'skip', reason: 'no_consent' });
    expect(decide(input({ consented: new Set(['email']) }), now, cfg)).toEqual({
      kind: 'skip',
      reason: 'no_consent',
    });
    expect(decide(input({ optedOut: new Set(['check_in']) }), now, cfg)).toEqual({
      kind: 'skip',
      reason: 'opted_out',
    });
    expect(decide(input({ available: new Set() }), now, cfg)).toEqual({ kind: 'skip', reason: 'no_channel' });
  });

  it('falls back past channels that failed for this guardian, and fails when none is left', () => {
    const now = at('2026-11-23T06:51:00');
    expect(decide(input({ channelsTried: ['zalo'], attempts: 1 }), now, cfg)).toEqual({
      kind: 'send',
      channel: 'sms',
    });
    expect(decide(input({ channelsTried: ['zalo', 'sms'], attempts: 2 }), now, cfg)).toEqual({
      kind: 'fail',
      reason: 'no_channel_left',
    });
  });

  it('quiet hours 21:00–06:00 school-local: 20:59 goes, 21:01 waits until 06:00; 05:59 waits, 06:01 goes', () => {
    const day = (t: string) =>
      input({ event: 'check_out', eventAt: at(`2026-11-23T${t}`), createdAt: at(`2026-11-23T${t}`) });
    expect(decide(day('20:59:00'), at('2026-11-23T20:59:00'), cfg)).toEqual({
      kind: 'send',
      channel: 'zalo',
    });
    expect(decide(day('21:01:00'), at('2026-11-23T21:01:00'), cfg)).toEqual({
      kind: 'hold',
      reason: 'quiet_hours',
      until: at('2026-11-24T06:00:00'),
    });
    const early = input({
      day: '2026-11-24',
      eventAt: at('2026-11-24T05:59:00'),
      createdAt: at('2026-11-24T05:59:00'),
    });
    expect(decide(early, at('2026-11-24T05:59:30'), cfg)).toEqual({
      kind: 'hold',
      reason: 'quiet_hours',
      until: at('2026-11-24T06:00:00'),
    });
    expect(decide({ ...early, eventAt: at('2026-11-24T06:01:00') }, at('2026-11-24T06:01:00'), cfg)).toEqual({
      kind: 'send',
      channel: 'zalo',
    });
    // Another window (22:00–07:00): 06:59 waits, 07:01 goes.
    const c2 = { ...cfg, quietHours: { start: 22 * 60, end: 7 * 60 } };
    const m = input({
      day: '2026-11-24',
      eventAt: at('2026-11-24T06:59:00'),
      createdAt: at('2026-11-24T06:59:00'),
    });
    expect(decide(m, at('2026-11-24T06:59:00'), c2)).toMatchObject({
      kind: 'hold',
      until: at('2026-11-24T07:00:00'),
    });
    expect(decide(m, at('2026-11-24T07:01:00'), c2)).toEqual({ kind: 'send', channel: 'zalo' });
    expect(quietUntil(at('2026-11-23T12:00:00'), cfg.quietHours, TZ)).toBeNull();
    expect(quietUntil(at('2026-11-23T12:00:00'), null, TZ)).toBeNull();
  });

  it('a held evening check-out turns stale by morning (never at 6 a.m. about yesterday)', () => {
    const held = input({
      event: 'check_out',
      eventAt: at('2026-11-23T21:01:00'),
      createdAt: at('2026-11-23T21:01:00'),
    });
    expect(decide(held, at('2026-11-24T06:00:00'), cfg)).toEqual({ kind: 'skip', reason: 'stale' });
  });

  it('staleness: a tap first handled more than NOTIFY_MAX_AGE_MIN after it happened is skipped; 3 hours late is stale', () => {
    expect(decide(input(), at('2026-11-23T08:49:00'), cfg)).toEqual({ kind: 'send', channel: 'zalo' });
    expect(decide(input(), at('2026-11-23T08:51:00'), cfg)).toEqual({ kind: 'skip', reason: 'stale' });
    expect(decide(input(), at('2026-11-23T09:50:00'), cfg)).toEqual({ kind: 'skip', reason: 'stale' });
    // One already on its way keeps retrying until the give-up age, then fails `expired`.
    expect(decide(input({ attempts: 2 }), at('2026-11-23T09:50:00'), cfg)).toEqual({
      kind: 'send',
      channel: 'zalo',
    });
    expect(decide(input({ attempts: 2 }), at('2026-11-23T10:51:00'), cfg)).toEqual({
      kind: 'fail',
      reason: 'expired',
    });
    // A resend by the school is sent even when old.
    expect(decide(input({ resend: true, day: '2026-11-20' }), at('2026-11-23T09:50:00'), cfg)).toEqual({
      kind: 'send',
      channel: 'zalo',
    });
  });

  it('absence alerts: never on a weekend or holiday, for an excused student or one who tapped', () => {
    const absent = (p: Partial<PolicyInput>) =>
      input({
        event: 'absent',
        eventAt: at('2026-11-23T08:00:00'),
        attendance: { status: 'absent', firstIn: null },
        ...p,
      });
    expect(decide(absent({}), at('2026-11-23T08:00:05'), cfg)).toEqual({ kind: 'send', channel: 'zalo' });
    expect(decide(absent({ day: '2026-11-22' }), at('2026-11-22T08:00:05'), cfg)).toEqual({
      kind: 'skip',
      reason: 'no_school_day',
    }); // Sunday
    expect(decide(absent({ day: '2026-11-20' }), at('2026-11-20T08:00:05'), cfg)).toEqual({
      kind: 'skip',
      reason: 'no_school_day',
    }); // holiday
    expect(
      decide(absent({ attendance: { status: 'excused', firstIn: null } }), at('2026-11-23T08:00:05'), cfg),
    ).toEqual({ kind: 'skip', reason: 'not_absent' });
    expect(
      decide(
        absent({ attendance: { status: 'late', firstIn: at('2026-11-23T08:01:00') } }),
        at('2026-11-23T08:02:00'),
        cfg,
      ),
    ).toEqual({ kind: 'skip', reason: 'not_absent' });
    // The next morning it is about yesterday: stale.
    expect(decide(absent({}), at('2026-11-24T07:00:00'), cfg)).toEqual({ kind: 'skip', reason: 'stale' });
  });

  it('back-off is exponential, capped, jittered, and at least what the provider asked', () => {
    expect(backoffMs(1, 2000, 300_000, () => 0)).toBe(1000);
    expect(backoffMs(1, 2000, 300_000, () => 1)).toBe(2000);
    expect(backoffMs(4, 2000, 300_000, () => 1)).toBe(16_000);
    expect(backoffMs(20, 2000, 300_000, () => 1)).toBe(300_000);
    expect(backoffMs(1, 2000, 300_000, () => 0, 30_000)).toBe(30_000);
  });
});

describe('consent', () => {
  it('the latest record per channel at the instant is in force (granted, withdrawn, granted again)', () => {
    const recs = [
      { channel: 'sms' as const, granted: true, at: at('2026-09-05T08:00:00') },
      { channel: 'zalo' as const, granted: true, at: at('2026-09-05T08:00:00') },
      { channel: 'zalo' as const, granted: false, at: at('2026-11-01T08:00:00') },
      { channel: 'email' as const, granted: true, at: at('2026-12-01T08:00:00') },
    ];
    expect([...consentInForce(recs, at('2026-10-01T00:00:00'))].sort()).toEqual(['sms', 'zalo']);
    expect([...consentInForce(recs, at('2026-11-23T00:00:00'))].sort()).toEqual(['sms']);
    expect([...consentInForce(recs, at('2026-12-02T00:00:00'))].sort()).toEqual(['email', 'sms']);
    expect(consentInForce([], at('2026-12-02T00:00:00')).size).toBe(0);
  });
});

describe('preference list', () => {
  it('is the guardian’s order; SMS when there is a phone and nothing was chosen', () => {
    expect(preferenceList({ phone: '0912345678', channels: ['zalo', 'sms', 'zalo', 'fax'] })).toEqual([
      'zalo',
      'sms',
    ]);
    expect(preferenceList({ phone: '0912345678', channels: [] })).toEqual(['sms']);
    expect(preferenceList({ phone: null, channels: [] })).toEqual([]);
    expect(defaultChannels('0912345678')).toEqual(['sms']);
    expect(defaultChannels(null)).toEqual([]);
  });
});

describe('templates', () => {
  it('Vietnamese with diacritics, the whole name, the school-local time; English too; ZNS fields', () => {
    const r = render({
      event: 'check_in',
      studentName: 'Y Liên',
      className: '6A',
      schoolName: 'THCS Nguyễn Du',
      at: new Date('2026-11-22T23:52:00Z'),
      day: '2026-11-23',
      timeZone: TZ,
      late: true,
    });
    expect(r.text).toBe(
      'Em Y Liên (lớp 6A) đã đến trường THCS Nguyễn Du lúc 06:52 ngày 23/11/2026 (đi muộn).',
    );
    expect(r.title).toBe('Y Liên đã đến trường');
    expect(r.params).toEqual({
      student_name: 'Y Liên',
      class_name: '6A',
      school_name: 'THCS Nguyễn Du',
      time: '06:52',
      date: '23/11/2026',
      note: 'đi muộn',
    });
    const en = render(
      {
        event: 'check_out',
        studentName: 'Y Liên',
        className: '6A',
        schoolName: 'THCS Nguyễn Du',
        at: new Date('2026-11-23T09:30:00Z'),
        day: '2026-11-23',
        timeZone: TZ,
      },
      'en',
    );
    expect(en.text).toBe('Y Liên (class 6A) left THCS Nguyễn Du at 16:30 on 23/11/2026.');
    const ab = render({
      event: 'absent',
      studentName: 'Nguyễn Văn An',
      className: '7B',
      schoolName: 'THCS X',
      at: new Date('2026-11-23T01:00:00Z'),
      day: '2026-11-23',
      timeZone: TZ,
    });
    expect(ab.text).toContain('Em Nguyễn Văn An (lớp 7B) chưa đến trường THCS X ngày 23/11/2026 (đến 08:00)');
    expect(() =>
      render({
        event: 'nope',
        studentName: 'a',
        className: 'b',
        schoolName: 'c',
        at: new Date(),
        day: '2026-11-23',
        timeZone: TZ,
      }),
    ).toThrow();
  });
});
