/**
 * postgres_restart: PostgreSQL goes away mid-rush — alternately a fast shutdown and an immediate
 * one (SIGQUIT: no checkpoint, crash recovery at the next start) — and comes back on the same port
 * and data once the server reports it not ready. Ingest transactions in flight fail and are not
 * acked; gateways resend; the server's pool reconnects.
 */
import { paceFaults, rigOptions, withRig, type DrillContext } from './drill.js';
import { waitFor } from './processes.js';
import type { DrillResult } from './rig.js';

export function drillPostgresRestart(ctx: DrillContext): Promise<DrillResult> {
  return withRig(ctx, rigOptions(ctx, 'postgres_restart'), (rig) =>
    paceFaults(rig, ctx.faults, async (k) => {
      await ctx.pg.stop(k % 2 === 1 ? 'immediate' : 'fast');
      try {
        let last = '';
        await waitFor(
          async () => {
            const res = await fetch(`${rig.server.httpUrl}/readyz`, {
              signal: AbortSignal.timeout(5000),
            }).catch((e: Error) => e);
            last = res instanceof Error ? res.message : `${res.status} ${await res.text()}`;
            return !(res instanceof Error) && res.status === 503;
          },
          'the server to report the database down',
          30_000,
          50,
        ).catch((e: Error) => {
          throw new Error(`${e.message} (last /readyz: ${last})`);
        });
      } finally {
        await ctx.pg.start();
      }
      await waitFor(
        async () => (await fetch(`${rig.server.httpUrl}/readyz`).catch(() => null))?.status === 200,
        'the server to report ready again',
        60_000,
        100,
      );
    }),
  );
}
