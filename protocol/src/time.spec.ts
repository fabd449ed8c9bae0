import fc from 'fast-check';
import {
  ManualClock,
  parseClock,
  toRfc3339,
  zonedTime,
  zonedTimeByIntl,
  isValidTimeZone,
  RFC3339_PATTERN,
} from './time.js';

describe('zoned time (never the machine zone)', () => {
  it('gives the school-local date and minute of an instant', () => {
    const z = zonedTime(new Date('2026-11-22T23:59:30Z'), 'Asia/Ho_Chi_Minh');
    expect(z).toEqual({ date: '2026-11-23', time: '06:59:30', minuteOfDay: 6 * 60 + 59, offsetMinutes: 420 });
  });

  it('formats RFC 3339 with the zone offset, across DST zones too', () => {
    expect(toRfc3339(new Date('2026-11-23T00:01:02.003Z'), 'Asia/Ho_Chi_Minh')).toBe(
      '2026-11-23T07:01:02.003+07:00',
    );
    expect(toRfc3339(new Date('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe(
      '2026-07-01T14:00:00.000+02:00',
    );
    expect(toRfc3339(new Date('2026-01-01T12:00:00Z'), 'America/St_Johns')).toBe(
      '2026-01-01T08:30:00.000-03:30',
    );
    expect(RFC3339_PATTERN.test(toRfc3339(new Date(), 'UTC'))).toBe(true);
  });

  it('checks zones and clock times', () => {
    expect(isValidTimeZone('Asia/Ho_Chi_Minh')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(parseClock('07:00')).toBe(420);
    expect(() => parseClock('24:00')).toThrow();
  });

  it('a manual clock moves only when told', () => {
    const c = new ManualClock('2026-11-23T06:59:00+07:00');
    expect(c.now().toISOString()).toBe('2026-11-22T23:59:00.000Z');
    c.advance(120_000);
    expect(toRfc3339(c.now(), 'Asia/Ho_Chi_Minh')).toBe('2026-11-23T07:01:00.000+07:00');
  });

  // The cached-offset path must read every instant exactly as Intl does, across DST changes,
  // half- and quarter-hour zones and the dates around them.
  const ZONES = [
    'Asia/Ho_Chi_Minh',
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'America/St_Johns',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Pacific/Chatham',
    'America/Santiago',
    'Africa/Casablanca',
    'Asia/Tehran',
  ];

  it('reads any instant as Intl does (cached offsets by minute)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1890, 0, 1), max: Date.UTC(2100, 0, 1) }),
        (zone, ms) => {
          expect(zonedTime(new Date(ms), zone)).toEqual(zonedTimeByIntl(new Date(ms), zone));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reads the seconds around DST changes as Intl does', () => {
    const changes = [
      '2026-03-29T01:00:00Z',
      '2026-10-25T01:00:00Z',
      '2026-03-08T07:00:00Z',
      '2026-04-04T15:00:00Z',
      '2026-10-03T15:30:00Z',
      '2026-11-01T06:00:00Z',
    ];
    for (const at of changes) {
      for (let d = -120_000; d <= 120_000; d += 997) {
        const instant = new Date(Date.parse(at) + d);
        for (const zone of ZONES) expect(zonedTime(instant, zone)).toEqual(zonedTimeByIntl(instant, zone));
      }
    }
  });

  it('refuses an unknown zone on the cached path too', () => {
    expect(() => zonedTime(new Date('2026-11-23T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
  });
});
