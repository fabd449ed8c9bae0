/**
 * server_kill9: `kill -9` the server process (ingest, embedded broker and all) again and again while
 * the rush plays, restarting it on the same ports and database each time. Gateways keep every tap
 * on disk until the server acks it and resend on reconnect; the server stores each id once.
 */
import { paceFaults, rigOptions, withRig, type DrillContext } from './drill.js';
import type { DrillResult } from './rig.js';

export function drillServerKill9(ctx: DrillContext): Promise<DrillResult> {
  const downtimes: number[] = [];
  return withRig(ctx, rigOptions(ctx, 'server_kill9'), async (rig) => {
    const refreshesAtKill: number[] = [];
    const n = await paceFaults(rig, ctx.faults, async () => {
      refreshesAtKill.push(rig.sims.zalo.refreshes);
      const t0 = performance.now();
      await rig.server.kill9();
      await rig.server.start();
      downtimes.push((performance.now() - t0) / 1000);
    });
    rig.extra.zalo_refreshes_at_kill = refreshesAtKill;
    rig.extra.server_down_seconds_max = Math.round(Math.max(...downtimes) * 10) / 10;
    return n;
  });
}
