import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { makeCardId, parseCardText } from '../card.js';
import {
  admsTimeToInstant,
  encodeAdmsCommand,
  encodeAdmsCommandResult,
  encodeAdmsHandshake,
  encodeAttlogLine,
  fromAdmsCardNumber,
  parseAdmsCommandResults,
  parseAdmsCommands,
  parseAdmsHandshake,
  parseAdmsUsers,
  parseAttlog,
  toAdmsCardNumber,
  toAdmsName,
  toAdmsTime,
} from './adms.js';
import { encodeDecimal10 } from './decimal10.js';

const fixture = (name: string) =>
  readFileSync(path.join(import.meta.dirname, '../../fixtures/adms', name), 'utf8');

describe('ADMS ATTLOG bodies', () => {
  it('reads several CRLF lines and reports each bad one with its line number and reason', () => {
    const r = parseAttlog(fixture('attlog-mixed.txt'));
    expect(r.punches.map((p) => [p.pin, p.time, p.status, p.verify])).toEqual([
      ['1001', '2026-12-01 06:59:58', 0, 4],
      ['1002', '2026-12-01 07:01:02', 0, 4],
      ['1004', '2026-12-01 07:02:03', 1, 1],
    ]);
    expect(r.bad).toEqual([
      { line: 3, raw: 'not a punch', reason: expect.stringContaining('tab-separated') },
      { line: 4, raw: '1003\t2026-02-30 07:00:00\t0\t4', reason: expect.stringContaining('2026-02-30') },
    ]);
  });

  it('takes LF line ends, missing status/verify and leading zeros in the PIN', () => {
    const r = parseAttlog('007\t2026-12-01 07:00:00\n8\t2026-12-01 07:00:01\t\t\n');
    expect(r.bad).toEqual([]);
    expect(r.punches.map((p) => [p.pin, p.status, p.verify])).toEqual([
      ['7', 0, 0],
      ['8', 0, 0],
    ]);
  });

  it('rejects a non-numeric PIN, a 24:00 time and an out-of-range status', () => {
    const r = parseAttlog(
      'A1\t2026-12-01 07:00:00\t0\t4\n1\t2026-12-01 24:00:00\t0\t4\n1\t2026-12-01 07:00:00\t999\t4',
    );
    expect(r.punches).toEqual([]);
    expect(r.bad.map((b) => b.line)).toEqual([1, 2, 3]);
  });

  it('reads back every line it writes (property)', () => {
    const punch = fc.record({
      pin: fc.integer({ min: 1, max: 999_999_999 }).map(String),
      at: fc.date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2090-01-01T00:00:00Z'),
        noInvalidDate: true,
      }),
      status: fc.integer({ min: 0, max: 5 }),
      verify: fc.constantFrom(1, 4, 15),
    });
    fc.assert(
      fc.property(
        fc.array(punch, { minLength: 1, maxLength: 20 }),
        fc.constantFrom('\n', '\r\n'),
        (ps, eol) => {
          const lines = ps.map((p) => ({ ...p, time: toAdmsTime(p.at, 'Asia/Ho_Chi_Minh') }));
          const r = parseAttlog(lines.map((p) => encodeAttlogLine(p)).join(eol) + eol);
          expect(r.bad).toEqual([]);
          expect(r.punches.map((p) => [p.pin, p.time, p.status, p.verify])).toEqual(
            lines.map((p) => [p.pin, p.time, p.status, p.verify]),
          );
        },
      ),
    );
  });
});

describe('ADMS times in the school zone', () => {
  it('reads a terminal time as school-local, never the machine zone', () => {
    expect(admsTimeToInstant('2026-12-01 06:59:00', 'Asia/Ho_Chi_Minh').toISOString()).toBe(
      '2026-11-30T23:59:00.000Z',
    );
    expect(admsTimeToInstant('2026-07-01 07:00:00', 'Europe/Berlin').toISOString()).toBe(
      '2026-07-01T05:00:00.000Z',
    );
    expect(toAdmsTime(new Date('2026-12-01T00:01:02Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-12-01 07:01:02');
  });

  it('round-trips through toAdmsTime for any instant (property, DST zone too)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2001, 0, 1) / 1000, max: Date.UTC(2080, 0, 1) / 1000 }),
        fc.constantFrom('Asia/Ho_Chi_Minh', 'UTC', 'Asia/Kolkata'),
        (s, zone) => {
          const at = new Date(s * 1000);
          expect(admsTimeToInstant(toAdmsTime(at, zone), zone).getTime()).toBe(at.getTime());
        },
      ),
    );
  });
});

describe('ADMS users and commands', () => {
  it('writes names as ASCII without diacritics, never splitting ethnic-minority names', () => {
    expect(toAdmsName('Nguyễn Thị Đào')).toBe('Nguyen Thi Dao');
    expect(toAdmsName('Y Liên')).toBe('Y Lien');
    expect(toAdmsName('A Sang')).toBe('A Sang');
    expect(toAdmsName('Tôn Nữ Hoàng Bảo Ngọc Thanh Tâm').length).toBeLessThanOrEqual(24);
  });

  it('prints the card as the decimal10 reading of it', () => {
    const em = parseCardText('em4100:40:0415AB36C1');
    expect(toAdmsCardNumber(em)).toBe(String(Number(encodeDecimal10(em).trim())));
    expect(toAdmsCardNumber(em)).toBe('363542209');
    expect(fromAdmsCardNumber('363542209')).toEqual(makeCardId('em4100', 32, '15AB36C1'));
    expect(toAdmsCardNumber(parseCardText('em4100:24:440281'))).toBe(String(0x440281)); // 068,00641
    expect(() => fromAdmsCardNumber('4294967296')).toThrow(RangeError);
    expect(() => fromAdmsCardNumber('0')).toThrow(RangeError);
  });

  it('encodes USERINFO commands that a terminal parses back', () => {
    const update = encodeAdmsCommand({
      id: 12,
      kind: 'update-user',
      user: { pin: '10001', name: 'Y Lien', card: '363542209' },
    });
    expect(update).toMatch(/^C:12:DATA UPDATE USERINFO PIN=10001\tName=Y Lien\t.*Card=363542209/);
    const del = encodeAdmsCommand({ id: 13, kind: 'delete-user', pin: '10002' });
    expect(del).toBe('C:13:DATA DELETE USERINFO PIN=10002');
    const parsed = parseAdmsCommands(`${update}\n${del}\nC:14:REBOOT\n`);
    expect(parsed.commands).toEqual([
      { id: 12, kind: 'update-user', user: { pin: '10001', name: 'Y Lien', card: '363542209' } },
      { id: 13, kind: 'delete-user', pin: '10002' },
    ]);
    expect(parsed.other).toEqual([{ id: 14, cmd: 'REBOOT' }]);
    expect(() => encodeAdmsCommand({ id: 0, kind: 'delete-user', pin: '1' })).toThrow(RangeError);
  });

  it('reads devicecmd results, several a body, bad lines reported', () => {
    const body = [
      encodeAdmsCommandResult({ id: 12, returnCode: 0, cmd: 'DATA' }),
      'ID=13&Return=-1002&CMD=DATA',
      'garbage',
      '',
    ].join('\n');
    const r = parseAdmsCommandResults(body);
    expect(r.results).toEqual([
      { id: 12, returnCode: 0, cmd: 'DATA' },
      { id: 13, returnCode: -1002, cmd: 'DATA' },
    ]);
    expect(r.bad).toEqual([{ line: 3, raw: 'garbage', reason: expect.any(String) }]);
  });

  it('reads users enrolled at the device from an OPERLOG body', () => {
    const body =
      'OPLOG 4\t0\t2026-12-01 07:00:00\t0\t0\t0\t0\nUSER PIN=55\tName=Thay Binh\tPri=0\tPasswd=\tCard=[0004467393]\tGrp=1\nUSER PIN=56\tName=Co Mai\tCard=\n';
    expect(parseAdmsUsers(body).users).toEqual([
      { pin: '55', name: 'Thay Binh', card: '4467393' },
      { pin: '56', name: 'Co Mai', card: '' },
    ]);
  });
});

describe('ADMS handshake', () => {
  it('answers with real-time push, the school offset and the poll delays', () => {
    const text = encodeAdmsHandshake({
      sn: 'CQZ7224460212',
      offsetMinutes: 420,
      delaySeconds: 10,
      errorDelaySeconds: 30,
      transIntervalMinutes: 1,
    });
    const { sn, options } = parseAdmsHandshake(text);
    expect(text.split('\n')[0]).toBe('GET OPTION FROM: CQZ7224460212');
    expect(sn).toBe('CQZ7224460212');
    expect(Object.fromEntries(options)).toMatchObject({
      ATTLOGStamp: '9999',
      Realtime: '1',
      TimeZone: '7',
      Delay: '10',
      ErrorDelay: '30',
      TransInterval: '1',
      Encrypt: '0',
    });
    expect(
      parseAdmsHandshake(
        encodeAdmsHandshake({
          sn: 'X',
          offsetMinutes: 330,
          delaySeconds: 1,
          errorDelaySeconds: 1,
          transIntervalMinutes: 1,
        }),
      ).options.get('TimeZone'),
    ).toBe('5.50');
  });
});
