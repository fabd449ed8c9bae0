import { RepeatFilter } from './repeat-filter.js';

describe('RepeatFilter', () => {
  const card = 'em4100:40:0415AB36C1';

  it('collapses a repeat tap inside the window and accepts it after', () => {
    const f = new RepeatFilter({ windowMs: 60_000 });
    expect(f.check('t1', card, 0)).toEqual({ repeat: false });
    f.accept('t1', card, 0);
    expect(f.check('t1', card, 30_000)).toEqual({ repeat: true, kind: 'window', firstAtMs: 0 });
    expect(f.check('t1', card, 60_000)).toEqual({ repeat: false });
  });

  it('keeps terminals and cards apart', () => {
    const f = new RepeatFilter({ windowMs: 60_000 });
    f.accept('t1', card, 0);
    expect(f.check('t2', card, 10_000).repeat).toBe(false);
    expect(f.check('t1', 'em4100:40:0000000001', 10_000).repeat).toBe(false);
  });

  it('always collapses the reader’s own frame repeats, even with no window, while the card stays', () => {
    const f = new RepeatFilter({ windowMs: 0, fieldGapMs: 1500 });
    f.check('t1', card, 0);
    f.accept('t1', card, 0);
    for (let t = 200; t <= 10_000; t += 200)
      expect(f.check('t1', card, t)).toMatchObject({ repeat: true, kind: 'field' });
    expect(f.check('t1', card, 12_000).repeat).toBe(false);
  });

  it('does not count a read as accepted until accept() (a failed store is not a DUP)', () => {
    const f = new RepeatFilter({ windowMs: 60_000, fieldGapMs: 0 });
    expect(f.check('t1', card, 0).repeat).toBe(false);
    expect(f.check('t1', card, 5_000).repeat).toBe(false);
  });

  it('prunes cards not seen for longer than its windows', () => {
    const f = new RepeatFilter({ windowMs: 60_000 });
    f.accept('t1', card, 0);
    f.prune(30_000);
    expect(f.size).toBe(1);
    f.prune(61_000);
    expect(f.size).toBe(0);
  });
});
