import { ManualClock, parseClock, toRfc3339, zonedTime, isValidTimeZone, RFC3339_PATTERN } from './time.js';

describe('zoned time (never the machine zone)', () => {
  it('gives the school-local date and minute of an instant', () => {
    const z = zonedTime(new Date('2026-11-22T23:59:30Z'), 'Asia/Ho_Chi_Minh');
    expect(z).toEqual({ date: '2026-11-23', time: '06:59:30', minuteOfDay: 6 * 60 + 59, offsetMinutes: 420 });
  });

  it('formats RFC 3339 with the zone offset, across DST zones too', () => {
    expect(toRfc3339(new Date('2026-11-23T00:01:02.003Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-11-23T07:01:02.003+07:00');
    expect(toRfc3339(new Date('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe('2026-07-01T14:00:00.000+02:00');
    expect(toRfc3339(new Date('2026-01-01T12:00:00Z'), 'America/St_Johns')).toBe('2026-01-01T08:30:00.000-03:30');
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
});
