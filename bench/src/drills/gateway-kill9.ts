/**
 * gateway_kill9: `kill -9` every gateway process at once mid-rush and start them again. A smart
 * terminal resends its TAP (same seq) every second for 5 tries; a TAP stored before the kill is
 * answered again from the SQLite queue after the restart, never stored twice.
 */
import { paceFaults, rigOptions, withRig, type DrillContext } from './drill.js';
import type { DrillResult } from './rig.js';

export function drillGatewayKill9(ctx: DrillContext): Promise<DrillResult> {
  return withRig(ctx, rigOptions(ctx, 'gateway_kill9'), (rig) =>
    paceFaults(rig, ctx.faults, async () => {
      await Promise.all(rig.gateways.map((g) => g.kill9()));
      await Promise.all(rig.gateways.map((g) => g.start()));
    }),
  );
}
