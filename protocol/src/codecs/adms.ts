/**
 * ZKTeco ADMS ("iclock") push protocol, CONTRACT §1 `adms`: the text bodies a terminal and its
 * server exchange over HTTP. Pure functions, no I/O: the gateway's HTTP listener and the simulated
 * terminal both use them, so they cannot disagree about a tab.
 *
 * - `POST /iclock/cdata?SN=…&table=ATTLOG`: one punch a line, `PIN⇥YYYY-MM-DD HH:MM:SS⇥status⇥verify…`.
 * - `POST /iclock/cdata?SN=…&table=OPERLOG`: operations, among them `USER PIN=…⇥Name=…⇥Card=…`
 *   for a user enrolled or changed at the device.
 * - `GET /iclock/cdata?SN=…&options=all`: the handshake, answered with `GET OPTION FROM: SN` and
 *   `Key=Value` lines.
 * - `GET /iclock/getrequest?SN=…`: `OK` or command lines `C:<id>:<command>`.
 * - `POST /iclock/devicecmd?SN=…`: results, `ID=…&Return=…&CMD=…` a line.
 */
import { makeCardId, truncateCard, type CardId, type CardTech } from '../card.js';
import { zonedTime } from '../time.js';
import { toDisplayText } from './smart.js';

/** A serial number as ZKTeco prints them: letters and digits (and a few separators), ≤ 32. */
export const ADMS_SN_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
/** A user PIN on the terminal: digits, at most 9 (older firmware takes 5; ours start at 10001). */
export const ADMS_PIN_PATTERN = /^\d{1,9}$/;
/** ZKTeco terminals keep at most 24 characters of a user's name. */
export const ADMS_NAME_WIDTH = 24;

export interface AdmsPunch {
  pin: string;
  /** The terminal's wall-clock time, `YYYY-MM-DD HH:MM:SS` (no zone: the terminal's own). */
  time: string;
  /** 0 check-in, 1 check-out, 2 break-out, 3 break-in, 4 overtime-in, 5 overtime-out, … */
  status: number;
  /** How the user was verified: 1 fingerprint, 4 card, 15 face, … */
  verify: number;
  /** The line as received (without its line end). */
  raw: string;
}

export interface AdmsBadLine {
  /** 1-based line number in the body. */
  line: number;
  raw: string;
  reason: string;
}

export interface AttlogParseResult {
  punches: AdmsPunch[];
  bad: AdmsBadLine[];
}

const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Is `YYYY-MM-DD HH:MM:SS` a real calendar time (no 24:00, no 31 February)? */
export function isAdmsTime(time: string): boolean {
  const m = TIME_PATTERN.exec(time);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s
  );
}

function bodyLines(body: string): string[] {
  return body.split(/\r?\n/);
}

/** Parse an ATTLOG body: every good line a punch, every bad one reported with its reason. */
export function parseAttlog(body: string): AttlogParseResult {
  const punches: AdmsPunch[] = [];
  const bad: AdmsBadLine[] = [];
  bodyLines(body).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const reject = (reason: string) => bad.push({ line: i + 1, raw, reason });
    const fields = raw.split('\t');
    if (fields.length < 2) return reject('expected PIN⇥time⇥status⇥verify (tab-separated)');
    const [pin = '', time = '', status = '0', verify = '0'] = fields.map((f) => f.trim());
    if (!ADMS_PIN_PATTERN.test(pin)) return reject(`PIN "${pin}" is not 1–9 digits`);
    if (!isAdmsTime(time)) return reject(`time "${time}" is not YYYY-MM-DD HH:MM:SS`);
    const st = status === '' ? 0 : Number(status);
    const ve = verify === '' ? 0 : Number(verify);
    if (!Number.isInteger(st) || st < 0 || st > 255) return reject(`status "${status}" is not 0–255`);
    if (!Number.isInteger(ve) || ve < 0 || ve > 255) return reject(`verify "${verify}" is not 0–255`);
    punches.push({ pin: String(Number(pin)), time, status: st, verify: ve, raw });
  });
  return { punches, bad };
}

/** One ATTLOG line as a terminal writes it (workcode and reserved fields zero). */
export function encodeAttlogLine(p: { pin: string; time: string; status?: number; verify?: number }): string {
  if (!ADMS_PIN_PATTERN.test(p.pin)) throw new RangeError(`PIN "${p.pin}" is not 1–9 digits`);
  if (!isAdmsTime(p.time)) throw new RangeError(`time "${p.time}" is not YYYY-MM-DD HH:MM:SS`);
  return [p.pin, p.time, p.status ?? 0, p.verify ?? 4, 0, 0, 0].join('\t');
}

/** A user as the terminal holds it. */
export interface AdmsUser {
  pin: string;
  name: string;
  /** The card number as the terminal prints it (decimal), or '' for none. */
  card: string;
}

function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split('\t')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * The `USER PIN=…⇥Name=…⇥Card=…` lines of an OPERLOG (or USERINFO) body: users enrolled or
 * changed at the device. Other operation lines (`OPLOG …`, `FP …`) are not users and are skipped.
 */
export function parseAdmsUsers(body: string): { users: AdmsUser[]; bad: AdmsBadLine[] } {
  const users: AdmsUser[] = [];
  const bad: AdmsBadLine[] = [];
  bodyLines(body).forEach((raw, i) => {
    const m = /^USER\s+(.*)$/.exec(raw.trim());
    if (!m) return;
    const kv = keyValues(m[1]!);
    const pin = kv.get('PIN') ?? '';
    if (!ADMS_PIN_PATTERN.test(pin))
      return bad.push({ line: i + 1, raw, reason: `PIN "${pin}" is not 1–9 digits` });
    const card = (kv.get('Card') ?? '').replace(/^\[|\]$/g, '');
    users.push({
      pin: String(Number(pin)),
      name: kv.get('Name') ?? '',
      card: /^\d+$/.test(card) && Number(card) > 0 ? String(Number(card)) : '',
    });
  });
  return { users, bad };
}

/** The name a terminal can show: ASCII without diacritics (`Nguyễn` → `Nguyen`), no tabs, ≤ 24. */
export function toAdmsName(name: string): string {
  return toDisplayText(name.normalize('NFC')).replace(/\?/g, ' ').slice(0, ADMS_NAME_WIDTH).trim();
}

/**
 * The card number as a ZKTeco terminal prints it and pushes it: the decimal of the low 32 bits,
 * as the `decimal10` reading of the card (without the zero padding: the terminal drops it). A card
 * known only by its 24 Wiegand bits (`068,10369`) gives the decimal of those, which is what a
 * terminal set to the 26-bit card format prints.
 */
export function toAdmsCardNumber(card: CardId): string {
  return String(parseInt(card.bits > 32 ? truncateCard(card, 32).hex : card.hex, 16));
}

/** A card number printed by a terminal back to a card (32 bits, like a `decimal10` read). */
export function fromAdmsCardNumber(number: string, tech: CardTech = 'em4100'): CardId {
  if (!/^\d{1,10}$/.test(number) || Number(number) > 0xffffffff || Number(number) === 0) {
    throw new RangeError(`card number "${number}" is not 1–4294967295`);
  }
  return makeCardId(tech, 32, Number(number).toString(16));
}

/** A command the server queues for a terminal. */
export type AdmsCommand =
  { id: number; kind: 'update-user'; user: AdmsUser } | { id: number; kind: 'delete-user'; pin: string };

function cleanField(value: string): string {
  return value.replace(/[\t\r\n]/g, ' ');
}

/** `C:<id>:DATA UPDATE USERINFO PIN=…⇥Name=…⇥Card=…` or `C:<id>:DATA DELETE USERINFO PIN=…`. */
export function encodeAdmsCommand(cmd: AdmsCommand): string {
  if (!Number.isInteger(cmd.id) || cmd.id < 1)
    throw new RangeError(`command id ${cmd.id} must be a positive integer`);
  switch (cmd.kind) {
    case 'update-user':
      return (
        `C:${cmd.id}:DATA UPDATE USERINFO PIN=${cmd.user.pin}\tName=${cleanField(cmd.user.name)}` +
        `\tPri=0\tPasswd=\tCard=${cleanField(cmd.user.card)}\tGrp=1\tTZ=0000000000000000`
      );
    case 'delete-user':
      return `C:${cmd.id}:DATA DELETE USERINFO PIN=${cmd.pin}`;
    default: {
      const never: never = cmd;
      throw new RangeError(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

/** A `getrequest` answer back to commands (what a terminal does with it). Unknown lines are skipped. */
export function parseAdmsCommands(body: string): {
  commands: AdmsCommand[];
  other: { id: number; cmd: string }[];
} {
  const commands: AdmsCommand[] = [];
  const other: { id: number; cmd: string }[] = [];
  for (const line of bodyLines(body)) {
    const m = /^C:(\d+):(.*)$/.exec(line);
    if (!m) continue;
    const id = Number(m[1]);
    const text = m[2]!;
    let u: RegExpExecArray | null;
    if ((u = /^DATA UPDATE USERINFO (.*)$/.exec(text))) {
      const kv = keyValues(u[1]!);
      commands.push({
        id,
        kind: 'update-user',
        user: { pin: kv.get('PIN') ?? '', name: kv.get('Name') ?? '', card: kv.get('Card') ?? '' },
      });
    } else if ((u = /^DATA DELETE USERINFO (.*)$/.exec(text))) {
      commands.push({ id, kind: 'delete-user', pin: keyValues(u[1]!).get('PIN') ?? '' });
    } else {
      other.push({ id, cmd: text });
    }
  }
  return { commands, other };
}

export interface AdmsCommandResult {
  id: number;
  /** 0 = done; negative = the terminal's error code. */
  returnCode: number;
  cmd: string;
}

/** A `devicecmd` body: `ID=…&Return=…&CMD=…` a line (bad lines reported). */
export function parseAdmsCommandResults(body: string): { results: AdmsCommandResult[]; bad: AdmsBadLine[] } {
  const results: AdmsCommandResult[] = [];
  const bad: AdmsBadLine[] = [];
  bodyLines(body).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const params = new URLSearchParams(raw.trim());
    const id = params.get('ID') ?? '';
    const ret = params.get('Return') ?? '';
    if (!/^\d+$/.test(id)) return bad.push({ line: i + 1, raw, reason: `ID "${id}" is not a number` });
    if (!/^-?\d+$/.test(ret))
      return bad.push({ line: i + 1, raw, reason: `Return "${ret}" is not a number` });
    results.push({ id: Number(id), returnCode: Number(ret), cmd: params.get('CMD') ?? '' });
  });
  return { results, bad };
}

export function encodeAdmsCommandResult(r: AdmsCommandResult): string {
  return `ID=${r.id}&Return=${r.returnCode}&CMD=${r.cmd}`;
}

export interface AdmsHandshakeOptions {
  sn: string;
  /** The school's UTC offset, minutes (Asia/Ho_Chi_Minh: 420 → `TimeZone=7`). */
  offsetMinutes: number;
  /** Seconds between `getrequest` polls. */
  delaySeconds: number;
  /** Seconds to wait after a failed request. */
  errorDelaySeconds: number;
  /** Minutes between batch uploads when real-time push is off (the terminal's own batching). */
  transIntervalMinutes: number;
}

/** The handshake answer a server sends: push every punch at once, the school's zone, no encryption. */
export function encodeAdmsHandshake(o: AdmsHandshakeOptions): string {
  const hours = o.offsetMinutes / 60;
  return [
    `GET OPTION FROM: ${o.sn}`,
    // Stamps of 9999 ask for new records only; None would ask the terminal to upload its whole log.
    'Stamp=9999',
    'ATTLOGStamp=9999',
    'OPERLOGStamp=9999',
    'ATTPHOTOStamp=None',
    `ErrorDelay=${o.errorDelaySeconds}`,
    `Delay=${o.delaySeconds}`,
    'TransTimes=00:00;14:05',
    `TransInterval=${o.transIntervalMinutes}`,
    'TransFlag=TransData AttLog OpLog EnrollUser ChgUser',
    `TimeZone=${Number.isInteger(hours) ? hours : hours.toFixed(2)}`,
    'Realtime=1',
    'Encrypt=0',
    'ServerVer=2.4.1',
    'PushProtVer=2.4.1',
  ].join('\n');
}

/** What a terminal reads from the handshake answer. */
export function parseAdmsHandshake(body: string): { sn: string | undefined; options: Map<string, string> } {
  const options = new Map<string, string>();
  let sn: string | undefined;
  for (const line of bodyLines(body)) {
    const from = /^GET OPTION FROM:\s*(.*)$/.exec(line);
    if (from) {
      sn = from[1]!.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) options.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return { sn, options };
}

/** An instant as the terminal's clock shows it in the school's zone. */
export function toAdmsTime(instant: Date, timeZone: string): string {
  const z = zonedTime(instant, timeZone);
  return `${z.date} ${z.time}`;
}

/**
 * A terminal's `YYYY-MM-DD HH:MM:SS` read in the school's zone, as an instant. In a zone's
 * backward DST hour the earlier instant is taken; a time skipped forward maps past the gap.
 */
export function admsTimeToInstant(time: string, timeZone: string): Date {
  const m = TIME_PATTERN.exec(time);
  if (!m || !isAdmsTime(time)) throw new RangeError(`time "${time}" is not YYYY-MM-DD HH:MM:SS`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // Two rounds settle on the zone's offset at that local time (also across a DST change).
  let ms = asUtc - zonedTime(new Date(asUtc), timeZone).offsetMinutes * 60_000;
  ms = asUtc - zonedTime(new Date(ms), timeZone).offsetMinutes * 60_000;
  return new Date(ms);
}
