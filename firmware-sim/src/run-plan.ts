/**
 * Plays a plan on terminals at real speed (`speed: 1`), accelerated (`speed: 60` = an hour a
 * minute) or as fast as the terminals take it (`speed: Infinity`). Taps are started on time and
 * not awaited one by one: each terminal queues its own, as students queue at a gate.
 */
import { performance } from 'node:perf_hooks';
import { SimError } from './errors.js';
import type { RushPlan, RushTap } from './rush.js';
import type { SimulatedTerminal, TapOutcome, TapResult } from './terminal.js';

export interface RunProgress {
  /** Taps started / finished / in the plan. */
  started: number;
  done: number;
  total: number;
  results: Record<TapResult, number>;
  /** Plan time reached, ms from the start of the rush. */
  planMs: number;
  elapsedMs: number;
}

export interface RunOptions {
  /** Plan milliseconds per real millisecond. Default 1; `Infinity` = no waiting. */
  speed?: number;
  /** Called at most every `progressEveryMs` (default 250) and once at the end. */
  onProgress?: (progress: RunProgress) => void;
  progressEveryMs?: number;
  /** Stops starting new taps; taps already started finish. */
  signal?: AbortSignal;
  /** Called for every finished tap. */
  onTap?: (tap: RushTap, outcome: TapOutcome) => void;
}

export interface RunResult extends RunProgress {
  aborted: boolean;
  /** Smart terminals: ACK latency (first send → ACK) in ms. */
  ackLatencyMs: { p50: number; p95: number; p99: number; max: number } | undefined;
  /** Taps the terminal refused (a card it cannot read). */
  errors: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** What a plan needs of a terminal: serial (`SimulatedTerminal`) and ADMS terminals both take taps. */
export type TapTaker = Pick<SimulatedTerminal, 'tap'>;

export async function runPlan(
  plan: RushPlan,
  terminals: readonly TapTaker[],
  options: RunOptions = {},
): Promise<RunResult> {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new SimError('bad_option', `speed must be > 0, got ${speed}`);
  if (terminals.length === 0) throw new SimError('bad_option', 'runPlan needs at least one terminal');
  const started = performance.now();
  const results: Record<TapResult, number> = {
    OK: 0,
    DUP: 0,
    UNKNOWN: 0,
    ERR: 0,
    NO_ACK: 0,
    SENT: 0,
    DROPPED: 0,
  };
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let done = 0;
  let next = 0;
  let lastProgress = -Infinity;
  const everyMs = options.progressEveryMs ?? 250;
  const progress = (): RunProgress => ({
    started: next,
    done,
    total: plan.taps.length,
    results: { ...results },
    planMs: Number.isFinite(speed)
      ? Math.min(plan.minutes * 60_000, (performance.now() - started) * speed)
      : (plan.taps[done - 1]?.atMs ?? 0),
    elapsedMs: performance.now() - started,
  });
  const report = (force = false): void => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (force || now - lastProgress >= everyMs) {
      lastProgress = now;
      options.onProgress(progress());
    }
  };
  let ticker: NodeJS.Timeout | undefined;
  if (options.onProgress) ticker = setInterval(() => report(), everyMs);
  const elapsed = (): number => performance.now() - started;

  try {
    while (next < plan.taps.length && !options.signal?.aborted) {
      const wait = plan.taps[next]!.atMs / speed - elapsed();
      if (wait > 1) {
        await sleep(wait, options.signal);
        continue;
      }
      // Start every tap that is due. Each terminal takes its taps in call order, so the bytes
      // on each line follow the plan order whatever the speed.
      while (next < plan.taps.length && plan.taps[next]!.atMs / speed <= elapsed() + 1) {
        const tap = plan.taps[next++]!;
        const terminal = terminals[tap.terminalIndex % terminals.length]!;
        const p: Promise<void> = terminal
          .tap(tap.card)
          .then(
            (outcome) => {
              results[outcome.result]++;
              if ('text' in outcome) latencies.push(outcome.latencyMs);
              options.onTap?.(tap, outcome);
            },
            () => {
              errors++;
            },
          )
          .finally(() => {
            done++;
            inFlight.delete(p);
          });
        inFlight.add(p);
      }
      report();
    }
    await Promise.all(inFlight);
  } finally {
    if (ticker) clearInterval(ticker);
  }
  report(true);
  latencies.sort((a, b) => a - b);
  return {
    ...progress(),
    aborted: options.signal?.aborted ?? false,
    errors,
    ackLatencyMs: latencies.length
      ? {
          p50: quantile(latencies, 0.5),
          p95: quantile(latencies, 0.95),
          p99: quantile(latencies, 0.99),
          max: latencies.at(-1)!,
        }
      : undefined,
  };
}

/** Resolves after `ms` or on abort, leaving no timer behind. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
