/**
 * server_kill9: `kill -9` the server process (ingest, embedded broker and all) again and again while
 * the rush plays, restarting it on the same ports and database each time. Gateways keep every tap
 * on disk until the server acks it and resend on reconnect; the server stores each id once.
 */
import { paceFaults, rigOptions, withRig, type DrillContext } from './drill.js';
import type { DrillResult } from './rig.js';

export function drillServerKill9(ctx: DrillContext): Promise<DrillResult> {
  return withRig(ctx, rigOptions(ctx, 'server_kill9'), (rig) =>
    paceFaults(rig, ctx.faults, async () => {
      await rig.server.kill9();
      await rig.server.start();
    }),
  );
}
