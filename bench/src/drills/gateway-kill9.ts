/**
 * gateway_kill9: `kill -9` every gateway process at once mid-rush and start them again. A smart
 * terminal resends its TAP (same seq) every second for 5 tries; a TAP stored before the kill is
 * answered again from the SQLite queue after the restart, never stored twice.
 */
import { paceFaults, rigOptions, withRig, type DrillContext } from './drill.js';
import type { DrillResult } from './rig.js';

export function drillGatewayKill9(ctx: DrillContext): Promise<DrillResult> {
  const downtimes: number[] = [];
  return withRig(ctx, rigOptions(ctx, 'gateway_kill9'), async (rig) => {
    const n = await paceFaults(rig, ctx.faults, async () => {
      const t0 = performance.now();
      await Promise.all(rig.gateways.map((g) => g.kill9()));
      await Promise.all(rig.gateways.map((g) => g.start()));
      downtimes.push((performance.now() - t0) / 1000);
    });
    rig.extra.gateway_down_seconds_max = Math.round(Math.max(...downtimes) * 10) / 10;
    return n;
  });
}
