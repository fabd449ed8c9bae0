/**
 * `npm run bench`: runs each benchmark in its own process (a crash or leak in one does not skew
 * the next), passes its JSON lines through, and ends with a summary line. Figures that compare
 * against a baseline measure both in the same process, side by side, because this machine is
 * shared and noisy: ratios, not absolute times.
 *   npm run bench [-- --only ingest,drain] [-- --quick] [-- --drills]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const here = import.meta.dirname;
const root = path.resolve(here, '..', '..');
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    drills: { type: 'boolean', default: false },
  },
});
const quick = values.quick ? ['--quick'] : [];

interface Bench {
  name: string;
  script: string;
  args?: string[];
  /** Hard limit for the whole benchmark; the run goes on without it if it is exceeded. */
  timeoutS: number;
}

const benches: Bench[] = [
  {
    name: 'fuzz',
    script: path.join(root, 'protocol/dist/fuzz/fuzz.js'),
    args: ['--chunks', values.quick ? '100000' : '1000000'],
    timeoutS: 120,
  },
  { name: 'ingest', script: path.join(here, 'ingest.bench.js'), args: quick, timeoutS: 180 },
  { name: 'latency', script: path.join(here, 'latency.bench.js'), args: quick, timeoutS: 150 },
  { name: 'drain', script: path.join(here, 'drain.bench.js'), args: quick, timeoutS: 120 },
  { name: 'notify', script: path.join(here, 'notify.bench.js'), args: quick, timeoutS: 300 },
  { name: 'notify-latency', script: path.join(here, 'notify-latency.bench.js'), args: quick, timeoutS: 240 },
  { name: 'staff-alerts', script: path.join(here, 'staff-alerts.bench.js'), args: quick, timeoutS: 300 },
  {
    name: 'import',
    script: path.join(root, 'server/dist/bench/import.bench.js'),
    args: ['--rows', values.quick ? '10000' : '50000'],
    timeoutS: 120,
  },
  { name: 'adms', script: path.join(here, 'adms.bench.js'), args: quick, timeoutS: 240 },
  { name: 'memory', script: path.join(here, 'memory.bench.js'), args: quick, timeoutS: 150 },
  { name: 'web', script: path.join(here, 'web.bench.js'), timeoutS: 150 },
  { name: 'reports', script: path.join(here, 'reports.bench.js'), args: quick, timeoutS: 600 },
  // The fault drills take minutes; `npm run drills` runs them alone, `--drills` adds them here.
  ...(values.drills
    ? [
        {
          name: 'drills',
          script: path.join(here, 'drills/run-drills.js'),
          args: values.quick ? ['--taps', '2000'] : [],
          timeoutS: 420,
        },
      ]
    : []),
];

const only = values.only?.split(',');
let failed = 0;
const started = Date.now();
for (const b of benches) {
  if (only && !only.includes(b.name)) continue;
  if (!existsSync(b.script)) {
    process.stderr.write(`bench: ${b.name}: ${path.relative(root, b.script)} is not built, skipped\n`);
    continue;
  }
  process.stderr.write(`bench: ${b.name} …\n`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [b.script, ...(b.args ?? [])], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    });
    const timer = setTimeout(() => {
      process.stderr.write(`bench: ${b.name} exceeded ${b.timeoutS} s, killed\n`);
      child.kill('SIGKILL');
    }, b.timeoutS * 1000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) {
    failed++;
    process.stderr.write(`bench: ${b.name} failed (exit ${code})\n`);
  }
}
process.stdout.write(
  `${JSON.stringify({ name: 'bench_total_time', value: Math.round((Date.now() - started) / 1000), unit: 's', failed })}\n`,
);
process.exit(failed ? 1 : 0);
