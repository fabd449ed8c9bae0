import { KnownDays } from './known-days.js';

describe('known attendance days (what ingest may leave out)', () => {
  const T = (hhmm: string) => Date.parse(`2026-11-23T${hhmm}:00+07:00`);

  it('a day it has not seen may change in any direction', () => {
    const k = new KnownDays();
    expect(k.mayChange('s1', '2026-11-23', 'in', T('07:00'))).toBe(true);
    expect(k.mayChange('s1', '2026-11-23', 'out', T('16:30'))).toBe(true);
  });

  it('after an IN at 07:00: a later IN changes nothing, an earlier IN and any OUT still may', () => {
    const k = new KnownDays();
    k.learn('s1', '2026-11-23', T('07:00'), null);
    expect(k.mayChange('s1', '2026-11-23', 'in', T('07:00'))).toBe(false);
    expect(k.mayChange('s1', '2026-11-23', 'in', T('07:20'))).toBe(false);
    expect(k.mayChange('s1', '2026-11-23', 'in', T('06:59'))).toBe(true);
    expect(k.mayChange('s1', '2026-11-23', 'out', T('10:00'))).toBe(true);
    expect(k.mayChange('s1', '2026-11-24', 'in', T('07:20'))).toBe(true); // another day
    expect(k.mayChange('s2', '2026-11-23', 'in', T('07:20'))).toBe(true); // another student
  });

  it('keeps the earliest IN and the latest OUT it has learned, whatever the order', () => {
    const k = new KnownDays();
    k.learn('s1', '2026-11-23', T('07:10'), T('16:00'));
    k.learn('s1', '2026-11-23', T('07:30'), T('15:00')); // older news: bounds stay
    k.learn('s1', '2026-11-23', T('06:50'), T('16:40'));
    expect(k.mayChange('s1', '2026-11-23', 'in', T('06:55'))).toBe(false);
    expect(k.mayChange('s1', '2026-11-23', 'in', T('06:45'))).toBe(true);
    expect(k.mayChange('s1', '2026-11-23', 'out', T('16:40'))).toBe(false);
    expect(k.mayChange('s1', '2026-11-23', 'out', T('16:41'))).toBe(true);
    k.learn('s1', '2026-11-23', null, null);
    expect(k.mayChange('s1', '2026-11-23', 'in', T('06:55'))).toBe(false);
  });

  it('stays bounded: the least recently used dates go first, and a date beyond its bound starts over', () => {
    const k = new KnownDays(100, 2);
    k.learn('s1', '2026-11-21', T('07:00'), null);
    k.learn('s1', '2026-11-22', T('07:00'), null);
    k.learn('s1', '2026-11-21', T('06:50'), null); // 21 used again: 22 is now the older
    k.learn('s1', '2026-11-23', T('07:00'), null);
    expect(k.mayChange('s1', '2026-11-22', 'in', T('07:30'))).toBe(true); // forgotten: asks the database again
    expect(k.mayChange('s1', '2026-11-21', 'in', T('07:30'))).toBe(false);
    expect(k.mayChange('s1', '2026-11-23', 'in', T('07:30'))).toBe(false);
    for (let i = 0; i < 250; i++) k.learn(`s${i}`, '2026-11-23', T('07:00'), null);
    expect(k.size).toBeLessThanOrEqual(100 + 1);
    expect(k.mayChange('s249', '2026-11-23', 'in', T('07:30'))).toBe(false);
  });
});
