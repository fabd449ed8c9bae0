/**
 * providers_down: the SMS (eSMS) and Zalo (ZNS + OAuth) stand-ins are down for the whole rush —
 * eSMS refuses connections, Zalo answers every request 503 (its token endpoint too) — and come
 * back once the rush is over. The worker retries with back-off meanwhile (e-mail keeps going);
 * afterwards every message arrives exactly once, on the guardian's own channel (a provider that
 * is down is no reason to fall back: that is for a channel that failed for the guardian).
 */
import { rigOptions, withRig, type DrillContext } from './drill.js';
import { waitFor } from './processes.js';
import type { DrillResult } from './rig.js';

export function drillProvidersDown(ctx: DrillContext): Promise<DrillResult> {
  return withRig(ctx, rigOptions(ctx, 'providers_down'), async (rig) => {
    const { esms, zalo } = rig.sims;
    await esms.down('refuse');
    await zalo.down('error');
    const t0 = performance.now();
    await waitFor(() => rig.rushDone, 'the rush to end', 600_000, 50);
    // Until the gateways' backlog is in too: nothing of the rush may reach SMS or Zalo before.
    await rig.quiesce(ctx.drainTimeoutMs ?? 120_000);
    rig.extra.providers_down_seconds = Math.round((performance.now() - t0) / 100) / 10;
    rig.extra.received_while_down = esms.messages().length + zalo.messages().length;
    await esms.up();
    await zalo.up();
    return 1;
  });
}
