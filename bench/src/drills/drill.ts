/**
 * What every drill shares: its context (the drill PostgreSQL, a work directory, a logger, the rush
 * size and the number of faults), pacing faults over the rush, and the closing count.
 */
import type { Logger } from 'pino';
import { DrillRig, type DrillResult, type RigOptions } from './rig.js';
import type { DrillPostgres } from './processes.js';
import { waitFor } from './processes.js';

export interface DrillContext {
  pg: DrillPostgres;
  /** A directory of its own for this drill (server data, gateway queues, broker config). */
  workDir: string;
  log: Logger;
  /** Taps in the rush. */
  taps: number;
  /** How many times the fault is applied. */
  faults: number;
  /** Seconds the rush should last in real time (0 = as fast as the terminals go). */
  rushSeconds: number;
  schools?: number;
  gatesIn?: number;
  /** Longest wait for the system to settle after the last fault. */
  drainTimeoutMs?: number;
}

export type Drill = (ctx: DrillContext) => Promise<DrillResult>;

export function rigOptions(ctx: DrillContext, name: string, extra: Partial<RigOptions> = {}): RigOptions {
  return {
    name,
    taps: ctx.taps,
    schools: ctx.schools ?? 4,
    gatesIn: ctx.gatesIn ?? 3,
    broker: 'embedded',
    rushSeconds: ctx.rushSeconds,
    pg: ctx.pg,
    workDir: ctx.workDir,
    log: ctx.log,
    ...extra,
  };
}

/**
 * Applies `fault` `n` times, the k-th once k/(n+1) of the rush's taps have been answered (or the
 * rush is over), so the faults land spread over the rush while taps flow.
 */
export async function paceFaults(
  rig: DrillRig,
  n: number,
  fault: (k: number) => Promise<void>,
): Promise<number> {
  const planned = rig.plan.taps.length;
  for (let k = 1; k <= n; k++) {
    const target = Math.floor((planned * k) / (n + 1));
    await waitFor(
      () => rig.answered >= target || rig.rushDone,
      `rush progress ${target}/${planned}`,
      600_000,
      20,
    );
    await fault(k);
  }
  return n;
}

/** Runs a drill on a rig: start, faults (while the rush runs), settle taps then messages, count, stop. */
export async function withRig(
  ctx: DrillContext,
  options: RigOptions,
  faults: (rig: DrillRig) => Promise<number>,
): Promise<DrillResult> {
  const rig = new DrillRig(options);
  try {
    await rig.start();
    const rush = rig.startRush();
    let applied: number;
    try {
      applied = await faults(rig);
    } catch (e) {
      ctx.log.error(`${options.name}: fault failed: ${(e as Error).message}\n${rig.tails()}`);
      await rush;
      throw e;
    }
    await rush;
    let drain: number;
    try {
      drain = await rig.quiesce(ctx.drainTimeoutMs ?? 120_000);
    } catch (e) {
      ctx.log.error(
        { gateways: await rig.gatewayState() },
        `${options.name}: ${(e as Error).message}\n${rig.tails()}`,
      );
      const r = await rig.verify(applied, NaN);
      return { ...r, ok: false, error: (e as Error).message };
    }
    let notify: number;
    try {
      notify = await rig.settleNotifications(ctx.drainTimeoutMs ?? 120_000);
    } catch (e) {
      ctx.log.error(`${options.name}: ${(e as Error).message}\n${rig.tails()}`);
      const r = await rig.verify(applied, drain);
      return { ...r, ok: false, error: (e as Error).message };
    }
    const result = await rig.verify(applied, drain, notify);
    if (!result.ok) ctx.log.error(rig.tails());
    return result;
  } finally {
    await rig.close();
  }
}
