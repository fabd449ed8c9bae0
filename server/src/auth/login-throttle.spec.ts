import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('locks a username+address after 5 failures in a minute, for a minute, and a success clears it', () => {
    let now = 0;
    const t = new LoginThrottle(() => now);
    for (let i = 0; i < 4; i++) t.failed('admin', '1.2.3.4');
    expect(t.retryAfterMs('admin', '1.2.3.4')).toBe(0);
    t.failed('admin', '1.2.3.4');
    expect(t.retryAfterMs('admin', '1.2.3.4')).toBe(60_000);
    expect(t.retryAfterMs('admin', '5.6.7.8')).toBe(0);
    expect(t.retryAfterMs('other', '1.2.3.4')).toBe(0);
    now = 30_000;
    expect(t.retryAfterMs('ADMIN', '1.2.3.4')).toBe(30_000);
    now = 60_001;
    expect(t.retryAfterMs('admin', '1.2.3.4')).toBe(0);
    t.succeeded('admin', '1.2.3.4');
    t.failed('admin', '1.2.3.4');
    expect(t.retryAfterMs('admin', '1.2.3.4')).toBe(0);
  });

  it('forgets failures older than the window', () => {
    let now = 0;
    const t = new LoginThrottle(() => now);
    for (let i = 0; i < 4; i++) t.failed('a', 'ip');
    now = 61_000;
    t.failed('a', 'ip');
    expect(t.retryAfterMs('a', 'ip')).toBe(0);
  });

  it('locks an address that sprays many usernames', () => {
    const t = new LoginThrottle(() => 0);
    for (let i = 0; i < 50; i++) t.failed(`user${i}`, '9.9.9.9');
    expect(t.retryAfterMs('someone-else', '9.9.9.9')).toBe(60_000);
    expect(t.retryAfterMs('someone-else', '1.1.1.1')).toBe(0);
  });
});
