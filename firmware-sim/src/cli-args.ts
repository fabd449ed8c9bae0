/**
 * Command-line options of `rfid-sim`, parsed with node:util parseArgs and validated once with zod
 * into a typed object. A bad option fails fast with its name.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TERMINAL_FORMATS } from '@rfid/protocol';
import type { LinkOptions } from './links/link.js';
import { SimError } from './errors.js';

export const COMMANDS = ['tap', 'roster', 'rush', 'plan'] as const;
export type Command = (typeof COMMANDS)[number];

export const HELP = `rfid-sim — simulated RFID attendance terminals (CONTRACT §1) on real serial (pty) and TCP links

Usage:
  rfid-sim tap    --kind KIND --link LINK --card CARD [--card CARD …] [options]
  rfid-sim roster --csv students.csv [--school KT0001] [--class 6A …] --kind KIND --link LINK [options]
  rfid-sim rush   --seed 42 (--students 1500 | --csv FILE) --minutes 20 --speed 60 --kind KIND --link LINK [options]
  rfid-sim plan   --seed 42 --students 1500 --minutes 20 [--lines]     print a rush plan, open no link

Terminal:
  --kind K              rdm6300 | decimal10 | wiegand | smart             (default smart)
  --link L              tcp:PORT | tcp:HOST:PORT | tcp (random port) | pty | serial:/dev/ttyUSB0?baud=9600
                        repeatable; with one tcp:PORT and several terminals the ports count up
  --terminals N         terminals (gates) per school                        (default 1)
  --id ID               terminal id, or prefix when there are several       (default sim)
  --tech T              em4100 | mifare (decimal10, smart, wiegand-34)      (default em4100)
  --byte-order O        msb-first | reversed (decimal10 + mifare)
  --wiegand-bits B      26 | 34                                             (default 26)
  --hold-ms MS          rdm6300: card in the field                          (default 300)
  --heartbeat-ms MS     smart: 0 = none                                     (default 10000)
  --ack-timeout-ms MS   smart                                               (default 1000)
  --max-tries N         smart                                               (default 5)
  --max-in-flight N     taps handled at once per terminal                   (default 1)
  --wait-gateway S      wait up to S seconds for a gateway on TCP links     (default 30; 0 = no wait)
  --terminals-out FILE  write the gateway's terminal config [{id,source,format}] as JSON

Workload:
  --card CARD           em4100:40:0415AB36C1 | 0363542209 | 068,10369 | 0415AB36C1 (repeatable)
  --interval-ms MS      tap/roster: time between taps                       (default 1500)
  --csv FILE            students (column "Số in trên thẻ"); --school ID, --class C (repeatable)
  --seed N              (default 1)
  --students N          generated students per school                       (default 500)
  --schools N           rush across N schools at once (load test)           (default 1)
  --minutes M           rush window                                         (default 20)
  --bell-at M           bell, minutes from the start                        (default 75 % of the window)
  --absent-rate R  --late-rate R  --double-rate R  --forget-rate R
  --speed X             plan minutes per real minute; 0 = as fast as the links take it (default 1)
  --lines               plan: print every tap, not just counts

Faults (per frame, seeded with --seed):
  --noise-rate R  --corrupt-rate R  --cut-rate R

Output: JSON lines on stdout (terminals, outcomes, summary); display/buzzer and live counters on stderr.
  --log-level L         pino level on stderr                                (default warn)
  -h, --help
`;

const rate = z.coerce.number().min(0).max(1).optional();
const ms = z.coerce.number().int().min(0);

const optionsSchema = z.object({
  kind: z.enum(TERMINAL_FORMATS).default('smart'),
  link: z.array(z.string()).default([]),
  terminals: z.coerce.number().int().min(1).max(10_000).default(1),
  id: z.string().min(1).default('sim'),
  tech: z.enum(['em4100', 'mifare']).optional(),
  'byte-order': z.enum(['msb-first', 'reversed']).optional(),
  'wiegand-bits': z.coerce
    .number()
    .pipe(z.union([z.literal(26), z.literal(34)]))
    .optional(),
  'hold-ms': ms.optional(),
  'heartbeat-ms': ms.optional(),
  'ack-timeout-ms': ms.min(1).optional(),
  'max-tries': z.coerce.number().int().min(1).optional(),
  'max-in-flight': z.coerce.number().int().min(1).optional(),
  'wait-gateway': z.coerce.number().min(0).default(30),
  'terminals-out': z.string().optional(),
  card: z.array(z.string()).default([]),
  'interval-ms': ms.default(1500),
  csv: z.string().optional(),
  school: z.string().optional(),
  class: z.array(z.string()).optional(),
  seed: z.coerce.number().int().default(1),
  students: z.coerce.number().int().min(1).max(1_000_000).default(500),
  schools: z.coerce.number().int().min(1).max(10_000).default(1),
  minutes: z.coerce.number().positive().default(20),
  'bell-at': z.coerce.number().positive().optional(),
  'absent-rate': rate,
  'late-rate': rate,
  'double-rate': rate,
  'forget-rate': rate,
  speed: z.coerce.number().min(0).default(1),
  lines: z.boolean().default(false),
  'noise-rate': rate,
  'corrupt-rate': rate,
  'cut-rate': rate,
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  help: z.boolean().default(false),
});

export type CliOptions = z.infer<typeof optionsSchema>;

const stringOptions = [
  'kind',
  'terminals',
  'id',
  'tech',
  'byte-order',
  'wiegand-bits',
  'hold-ms',
  'heartbeat-ms',
  'ack-timeout-ms',
  'max-tries',
  'max-in-flight',
  'wait-gateway',
  'terminals-out',
  'interval-ms',
  'csv',
  'school',
  'seed',
  'students',
  'schools',
  'minutes',
  'bell-at',
  'absent-rate',
  'late-rate',
  'double-rate',
  'forget-rate',
  'speed',
  'noise-rate',
  'corrupt-rate',
  'cut-rate',
  'log-level',
] as const;

export function parseCli(argv: readonly string[]): { command: Command | undefined; options: CliOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(stringOptions.map((name) => [name, { type: 'string' as const }])),
        link: { type: 'string', multiple: true },
        card: { type: 'string', multiple: true },
        class: { type: 'string', multiple: true },
        lines: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new SimError('bad_option', e instanceof Error ? e.message : String(e));
  }
  const [command, ...extra] = parsed.positionals;
  if (extra.length) throw new SimError('bad_option', `unexpected argument "${extra[0]}"`);
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    throw new SimError('bad_option', `unknown command "${command}" (one of ${COMMANDS.join(', ')})`);
  }
  const result = optionsSchema.safeParse(parsed.values);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new SimError('bad_option', `--${issue.path.join('.')}: ${issue.message}`);
  }
  return { command: command as Command | undefined, options: result.data };
}

/** `tcp:4001`, `tcp:0.0.0.0:4001`, `tcp`, `pty`, `serial:/dev/ttyUSB0?baud=9600` → link options. */
export function parseLinkSpec(spec: string): LinkOptions {
  if (spec === 'pty') return { type: 'pty' };
  if (spec === 'tcp') return { type: 'tcp', port: 0 };
  let m = /^tcp:(?:\/\/)?(?:(.+):)?(\d{1,5})$/.exec(spec);
  if (m) {
    const port = Number(m[2]);
    if (port > 65535) throw new SimError('bad_option', `--link ${spec}: port above 65535`);
    return m[1] ? { type: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port } : { type: 'tcp', port };
  }
  m = /^serial:([^?]+)(?:\?baud=(\d+))?$/.exec(spec);
  if (m) return { type: 'serial', path: m[1]!, baudRate: m[2] ? Number(m[2]) : undefined };
  throw new SimError(
    'bad_option',
    `--link ${spec}: expected tcp:PORT, tcp:HOST:PORT, pty or serial:PATH?baud=N`,
  );
}

/** One link per terminal: the given ones in order; a single tcp:PORT counts up, pty repeats. */
export function linksFor(specs: readonly string[], count: number): LinkOptions[] {
  const given = (specs.length ? specs : ['tcp']).map(parseLinkSpec);
  if (given.length >= count) return given.slice(0, count);
  if (given.length !== 1)
    throw new SimError('bad_option', `${count} terminals but ${given.length} --link values`);
  const only = given[0]!;
  switch (only.type) {
    case 'pty':
      return Array.from({ length: count }, () => only);
    case 'tcp':
      return Array.from({ length: count }, (_, i) => ({ ...only, port: only.port ? only.port + i : 0 }));
    case 'serial':
      throw new SimError(
        'bad_option',
        `one serial device cannot carry ${count} terminals: give --link once per terminal`,
      );
    default: {
      const never: never = only;
      return never;
    }
  }
}
