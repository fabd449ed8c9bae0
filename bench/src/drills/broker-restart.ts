/**
 * broker_restart: the server runs against an external Mosquitto (`MQTT_URL`, no persistence) that
 * is stopped mid-rush — alternately `kill -9` and SIGTERM — and started again once the gateways
 * and the server have noticed. Sessions, queued acks and in-flight messages are gone with it:
 * gateways resend whatever is unacked when they reconnect.
 */
import { paceFaults, rigOptions, withRig, type DrillContext } from './drill.js';
import { MosquittoProcess, waitFor } from './processes.js';
import type { DrillResult } from './rig.js';

export async function drillBrokerRestart(ctx: DrillContext): Promise<DrillResult | null> {
  if (!MosquittoProcess.available()) return null;
  return withRig(ctx, rigOptions(ctx, 'broker_restart', { broker: 'mosquitto' }), (rig) =>
    paceFaults(rig, ctx.faults, async (k) => {
      const broker = rig.broker!;
      if (k % 2 === 1) await broker.kill9();
      else await broker.stop();
      await waitFor(
        async () =>
          (await Promise.all(rig.gateways.map((g) => g.metrics()))).every((m) => m && !m.mqttConnected),
        'gateways to notice the broker is gone',
        30_000,
        50,
      );
      await broker.start();
    }),
  );
}
