/**
 * `rfid-sim`: what each command does with the parsed options. Kept apart from `cli.ts` (the
 * executable) so tests can run it with their own streams.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { cardToText } from '@rfid/protocol';
import { HELP, linksFor, parseCli, type CliOptions } from './cli-args.js';
import { SimError } from './errors.js';
import type { FaultRates } from './faults.js';
import { loadRosterCsv } from './roster-csv.js';
import {
  morningRush,
  multiSchoolRush,
  planToLines,
  arrivalHistogram,
  type MultiSchoolRushPlan,
  type RushPlan,
  type RushStudent,
} from './rush.js';
import { runPlan, type RunProgress } from './run-plan.js';
import {
  createTerminal,
  type DisplayEvent,
  type SimulatedTerminal,
  type TerminalOptions,
} from './terminal.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const defaultIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

/** Runs one command; resolves the exit code. `signal` (Ctrl-C) stops a run cleanly. */
export async function main(
  argv: readonly string[],
  io: CliIo = defaultIo,
  signal?: AbortSignal,
): Promise<number> {
  let command;
  let options: CliOptions;
  try {
    ({ command, options } = parseCli(argv));
  } catch (e) {
    io.stderr.write(`rfid-sim: ${e instanceof Error ? e.message : String(e)}\nTry rfid-sim --help.\n`);
    return 2;
  }
  if (options.help || !command) {
    (options.help ? io.stdout : io.stderr).write(HELP);
    return options.help ? 0 : 2;
  }
  const logger = pino({ name: 'rfid-sim', level: options['log-level'] }, io.stderr);
  const out = (value: unknown): void => void io.stdout.write(`${JSON.stringify(value)}\n`);
  const warn = (message: string): void => void io.stderr.write(`rfid-sim: ${message}\n`);
  try {
    switch (command) {
      case 'plan': {
        const plan = await buildRush(options, warn);
        const lines = planToLines(plan);
        if (options.lines) for (const line of lines) io.stdout.write(`${line}\n`);
        out({
          seed: plan.seed,
          minutes: plan.minutes,
          bellAtMs: plan.bellAtMs,
          terminals: plan.terminals,
          counts: plan.counts,
          perMinute: arrivalHistogram(plan),
          sha256: createHash('sha256').update(lines.join('\n')).digest('hex'),
        });
        return 0;
      }
      case 'tap':
        return await runTaps(options, logger, io, out, signal);
      case 'roster':
      case 'rush': {
        const plan =
          command === 'rush' ? await buildRush(options, warn) : await buildRosterPlan(options, warn);
        return await runRush(plan, options, logger, io, out, signal);
      }
      default: {
        const never: never = command;
        throw new SimError('bad_option', `unknown command ${String(never)}`);
      }
    }
  } catch (e) {
    if (e instanceof SimError) {
      io.stderr.write(`rfid-sim: ${e.message} (${e.code})\n`);
      return e.code === 'bad_option' || e.code === 'bad_plan' ? 2 : 1;
    }
    throw e;
  }
}

function faultRates(o: CliOptions): FaultRates | undefined {
  if (o['noise-rate'] === undefined && o['corrupt-rate'] === undefined && o['cut-rate'] === undefined)
    return undefined;
  return { seed: o.seed, noise: o['noise-rate'], corrupt: o['corrupt-rate'], cut: o['cut-rate'] };
}

function terminalOptions(o: CliOptions, logger: Logger): Omit<TerminalOptions, 'id' | 'link'> {
  return {
    kind: o.kind,
    tech: o.tech,
    byteOrder: o['byte-order'],
    wiegandBits: o['wiegand-bits'],
    holdMs: o['hold-ms'],
    heartbeatMs: o['heartbeat-ms'],
    ackTimeoutMs: o['ack-timeout-ms'],
    maxTries: o['max-tries'],
    maxInFlight: o['max-in-flight'],
    logger,
    faults: faultRates(o),
  };
}

async function csvStudents(o: CliOptions, warn: (m: string) => void): Promise<RushStudent[]> {
  if (!o.csv) throw new SimError('bad_option', '--csv FILE is required');
  const { students, skipped } = await loadRosterCsv(o.csv, { schoolId: o.school, classIds: o.class });
  if (students.length === 0)
    throw new SimError('bad_option', `--csv ${o.csv}: no students with a card number match`);
  if (skipped.length)
    warn(
      `${skipped.length} rows of ${o.csv} have no usable card number (first: row ${skipped[0]!.row}, ${skipped[0]!.reason})`,
    );
  return students;
}

async function buildRush(o: CliOptions, warn: (m: string) => void): Promise<RushPlan | MultiSchoolRushPlan> {
  const common = {
    seed: o.seed,
    minutes: o.minutes,
    bellAtMinute: o['bell-at'],
    absentRate: o['absent-rate'],
    lateRate: o['late-rate'],
    doubleTapRate: o['double-rate'],
    forgetCardRate: o['forget-rate'],
  };
  if (o.schools > 1) {
    if (o.csv) throw new SimError('bad_option', '--csv and --schools > 1 do not go together');
    return multiSchoolRush({
      ...common,
      schools: o.schools,
      studentsPerSchool: o.students,
      terminalsPerSchool: o.terminals,
    });
  }
  const students = o.csv ? await csvStudents(o, warn) : o.students;
  return morningRush({ ...common, students, terminals: o.terminals });
}

/** A class tapping in one after another, `--interval-ms` apart, spread over the terminals. */
async function buildRosterPlan(o: CliOptions, warn: (m: string) => void): Promise<RushPlan> {
  const students = await csvStudents(o, warn);
  const plan = morningRush({
    seed: o.seed,
    students,
    minutes: 1,
    absentRate: 0,
    lateRate: 0,
    doubleTapRate: 0,
    forgetCardRate: 0,
  });
  const taps = plan.students.map((s, i) => ({
    atMs: i * o['interval-ms'],
    studentIndex: i,
    card: s.card,
    terminalIndex: i % o.terminals,
    kind: 'tap' as const,
  }));
  const minutes = Math.max(1, Math.ceil(((taps.at(-1)?.atMs ?? 0) + 1) / 60_000));
  return {
    ...plan,
    minutes,
    bellAtMs: minutes * 60_000,
    terminals: o.terminals,
    taps,
    counts: { ...plan.counts, taps: taps.length },
  };
}

function terminalIds(
  o: CliOptions,
  plan: RushPlan | MultiSchoolRushPlan | undefined,
  count: number,
): string[] {
  if (plan && 'schools' in plan && plan.schools.length > 1) {
    return plan.schools.flatMap((s) =>
      Array.from({ length: s.plan.terminals }, (_, g) => `${o.id}-${s.id}-g${g + 1}`),
    );
  }
  return count === 1
    ? [o.id]
    : Array.from({ length: count }, (_, i) => `${o.id}-${String(i + 1).padStart(2, '0')}`);
}

async function openTerminals(
  o: CliOptions,
  ids: string[],
  logger: Logger,
  io: CliIo,
  out: (v: unknown) => void,
  signal?: AbortSignal,
): Promise<SimulatedTerminal[]> {
  const links = linksFor(o.link, ids.length);
  const terminals: SimulatedTerminal[] = [];
  try {
    for (const [i, id] of ids.entries()) {
      terminals.push(await createTerminal({ ...terminalOptions(o, logger), id, link: links[i]! }));
    }
  } catch (e) {
    await Promise.all(terminals.map((t) => t.close()));
    throw e;
  }
  for (const t of terminals) out({ terminal: t.id, ...t.gatewayConfig() });
  if (o['terminals-out'])
    await writeFile(
      o['terminals-out'],
      JSON.stringify(
        terminals.map((t) => t.gatewayConfig()),
        null,
        2,
      ) + '\n',
    );
  const tcp = terminals.filter((t) => t.linkType === 'tcp');
  if (tcp.length && o['wait-gateway'] > 0) {
    io.stderr.write(
      `waiting up to ${o['wait-gateway']} s for a gateway to connect to ${tcp.length} TCP terminal(s)…\n`,
    );
    const deadline = Date.now() + o['wait-gateway'] * 1000;
    for (const t of tcp) {
      if (signal?.aborted) break;
      const ok = await Promise.race([
        t.waitForGateway(Math.max(0, deadline - Date.now())),
        new Promise<boolean>((resolve) =>
          signal?.addEventListener('abort', () => resolve(true), { once: true }),
        ),
      ]);
      if (!ok) {
        const missing = tcp.filter((x) => !x.connected).length;
        io.stderr.write(`${missing} terminal(s) have no gateway: their bytes are dropped (smart: NO_ACK)\n`);
        break;
      }
    }
  }
  return terminals;
}

function printDisplays(terminal: SimulatedTerminal, io: CliIo): void {
  terminal.events.on('display', (d: DisplayEvent) => {
    const what = d.result === 'MSG' ? `message for ${d.seconds ?? '?'} s` : 'display';
    io.stderr.write(`[${d.terminal} ${d.clock}] ${what} "${d.text}"  buzzer: ${d.buzzer}\n`);
  });
}

async function runTaps(
  o: CliOptions,
  logger: Logger,
  io: CliIo,
  out: (v: unknown) => void,
  signal?: AbortSignal,
): Promise<number> {
  if (o.card.length === 0)
    throw new SimError('bad_option', '--card is required (e.g. --card em4100:40:0415AB36C1)');
  const [terminal] = await openTerminals({ ...o, terminals: 1 }, [o.id], logger, io, out, signal);
  try {
    printDisplays(terminal!, io);
    let failed = 0;
    for (const [i, card] of o.card.entries()) {
      if (signal?.aborted) break;
      if (i > 0) await abortableDelay(o['interval-ms'], signal);
      const outcome = await terminal!.tap(card);
      if (outcome.result === 'NO_ACK' || outcome.result === 'DROPPED') failed++;
      out({
        terminal: terminal!.id,
        ...outcome,
        card: cardToText(outcome.card),
        latencyMs: Math.round(outcome.latencyMs * 10) / 10,
      });
    }
    return failed ? 1 : 0;
  } finally {
    await terminal!.close();
  }
}

async function runRush(
  plan: RushPlan,
  o: CliOptions,
  logger: Logger,
  io: CliIo,
  out: (v: unknown) => void,
  signal?: AbortSignal,
): Promise<number> {
  const ids = terminalIds(o, plan, plan.terminals);
  const terminals = await openTerminals(o, ids, logger, io, out, signal);
  const live = liveCounters(io.stderr, plan);
  try {
    if (terminals.length === 1) printDisplays(terminals[0]!, io);
    const result = await runPlan(plan, terminals, {
      speed: o.speed === 0 ? Infinity : o.speed,
      signal,
      onProgress: live.update,
    });
    live.end();
    const stats = terminals.map((t) => t.stats);
    out({
      summary: true,
      seed: plan.seed,
      plan: plan.counts,
      ...result,
      elapsedMs: Math.round(result.elapsedMs),
      framesSent: stats.reduce((n, s) => n + s.framesSent, 0),
      framesDropped: stats.reduce((n, s) => n + s.framesDropped, 0),
      faultyFrames: stats.reduce((n, s) => n + s.faultyFrames, 0),
      resends: stats.reduce((n, s) => n + s.resends, 0),
    });
    return result.aborted ? 130 : 0;
  } finally {
    live.end();
    await Promise.all(terminals.map((t) => t.close()));
  }
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Counters on stderr: redrawn in place on a terminal, a line every 5 s otherwise. */
function liveCounters(
  stream: CliIo['stderr'],
  plan: RushPlan,
): { update: (p: RunProgress) => void; end: () => void } {
  const tty = stream.isTTY === true;
  let lastLine = 0;
  let drawn = false;
  const line = (p: RunProgress): string => {
    const r = p.results;
    const counts = Object.entries(r)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join('  ');
    return `rush ${p.done}/${p.total} taps  ${counts || '-'}  plan ${clock(p.planMs)}/${clock(plan.minutes * 60_000)}  ${(p.elapsedMs / 1000).toFixed(1)} s`;
  };
  return {
    update: (p) => {
      if (tty) {
        stream.write(`\r\x1b[2K${line(p)}`);
        drawn = true;
      } else if (p.elapsedMs - lastLine >= 5000 || p.done === p.total) {
        lastLine = p.elapsedMs;
        stream.write(`${line(p)}\n`);
      }
    },
    end: () => {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
