/**
 * link_cut: the schools' internet link is down for the whole rush — the gateways reach the broker
 * through a proxy that resets every connection and refuses new ones — and comes back after it.
 * Terminals are answered from the gateways' disks meanwhile; after the link is restored every
 * gateway drains its backlog while nothing new arrives. A second fault (full version) stalls the
 * link during that drain: connections stay open but no byte moves until the gateways have resent
 * unacked taps; then everything held back is delivered late, acks and resends crossing.
 */
import { rigOptions, withRig, type DrillContext } from './drill.js';
import { waitFor } from './processes.js';
import type { DrillResult } from './rig.js';
import type { DrillRig } from './rig.js';

const metricsOf = async (rig: DrillRig) => Promise.all(rig.gateways.map((g) => g.metrics()));

export function drillLinkCut(ctx: DrillContext): Promise<DrillResult> {
  return withRig(ctx, rigOptions(ctx, 'link_cut', { proxy: true }), async (rig) => {
    const proxy = rig.proxy!;
    proxy.cut();
    await waitFor(
      async () => (await metricsOf(rig)).every((m) => m && !m.mqttConnected),
      'gateways offline',
      30_000,
      20,
    );
    await waitFor(() => rig.rushDone, 'the rush to end', 600_000, 50);
    const stored = await rig.storedCount();
    rig.extra.stored_while_cut = stored;
    proxy.restore();
    await waitFor(
      async () => (await metricsOf(rig)).every((m) => m?.mqttConnected),
      'gateways back online',
      60_000,
      50,
    );
    let faults = 1;
    for (let k = 1; k < ctx.faults; k++) {
      await waitFor(
        async () => (await metricsOf(rig)).some((m) => m && m.acked > 0),
        'drain under way',
        60_000,
        20,
      );
      const before = (await metricsOf(rig)).reduce((a, m) => a + (m?.resent ?? 0), 0);
      proxy.stall();
      faults++;
      // Held until the gateways resend (their ack wait ran out), or the drain had already ended.
      await waitFor(
        async () => (await metricsOf(rig)).reduce((a, m) => a + (m?.resent ?? 0), 0) > before,
        'gateways resending into the stalled link',
        30_000,
        50,
      ).catch(() => ctx.log.warn('link_cut: no resend during the stall (drain already over?)'));
      rig.extra.resent_during_stall =
        (await metricsOf(rig)).reduce((a, m) => a + (m?.resent ?? 0), 0) - before;
      proxy.restore();
    }
    return faults;
  });
}
