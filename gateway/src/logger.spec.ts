import { createGatewayLogger } from './logger.js';

describe('gateway logger', () => {
  it('censors secrets and phone numbers wherever a component puts them, and keeps the rest', () => {
    const lines: string[] = [];
    const log = createGatewayLogger('info', { write: (l: string) => void lines.push(l) });
    log.child({ component: 'mqtt' }).info(
      {
        password: 'p-top',
        mqtt: { url: 'mqtt://broker', password: 'p-nested' },
        cmd: { type: 'secret', password: 'p-rotated', extra: { password: 'p-deep' } },
        secret: 's-top',
        headers: { authorization: 'Bearer abc.def' },
        guardian: { phone: '0901234567' },
        token: 't-top',
        terminal: 'cong-chinh',
      },
      'something happened',
    );
    log.debug({ password: 'below-level' }, 'not written');
    expect(lines).toHaveLength(1);
    const text = lines[0]!;
    for (const leaked of [
      'p-top',
      'p-nested',
      'p-rotated',
      'p-deep',
      's-top',
      'abc.def',
      '0901234567',
      't-top',
    ])
      expect(text).not.toContain(leaked);
    const entry = JSON.parse(text) as Record<string, unknown>;
    expect(entry).toMatchObject({
      msg: 'something happened',
      terminal: 'cong-chinh',
      password: '[redacted]',
      mqtt: { url: 'mqtt://broker', password: '[redacted]' },
      cmd: { type: 'secret', password: '[redacted]', extra: { password: '[redacted]' } },
      guardian: { phone: '[redacted]' },
    });
  });
});
