/**
 * link_cut: the schools' internet link is down for the whole rush — the gateways reach the broker
 * through a proxy that resets every connection and refuses new ones — and comes back after it.
 * Terminals are answered from the gateways' disks meanwhile; after the link is restored every
 * gateway drains its backlog while nothing new arrives.
 */
import { rigOptions, withRig, type DrillContext } from './drill.js';
import { waitFor } from './processes.js';
import type { DrillResult } from './rig.js';

export function drillLinkCut(ctx: DrillContext): Promise<DrillResult> {
  return withRig(ctx, rigOptions(ctx, 'link_cut', { proxy: true }), async (rig) => {
    let faults = 0;
    for (let k = 0; k < Math.max(1, ctx.faults); k++) {
      rig.proxy!.cut();
      faults++;
      await waitFor(
        async () =>
          (await Promise.all(rig.gateways.map((g) => g.metrics()))).every((m) => m && !m.mqttConnected),
        'gateways offline',
        30_000,
        20,
      );
      // The first cut lasts the whole rush; more cuts (k ≥ 1) hit the drain after it.
      if (k === 0) await waitFor(() => rig.rushDone, 'the rush to end', 600_000, 50);
      else
        await waitFor(
          async () => (await Promise.all(rig.gateways.map((g) => g.metrics()))).some((m) => m && m.acked > 0),
          'drain under way',
          60_000,
          20,
        );
      rig.proxy!.restore();
      await waitFor(
        async () => (await Promise.all(rig.gateways.map((g) => g.metrics()))).every((m) => m?.mqttConnected),
        'gateways back online',
        60_000,
        50,
      );
    }
    return faults;
  });
}
