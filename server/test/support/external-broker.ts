/**
 * The external broker for the MQTT 5 / shared-subscription tests: MQTT_EXTERNAL_URL, else a
 * Mosquitto on 127.0.0.1:1883 if one answers within 500 ms; null (tests skip, saying why) otherwise
 * or when MQTT_EXTERNAL_URL=none.
 */
import net from 'node:net';

export async function externalBrokerUrl(): Promise<string | null> {
  const configured = process.env.MQTT_EXTERNAL_URL;
  if (configured === 'none') return null;
  if (configured) return configured;
  const open = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 1883 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  return open ? 'mqtt://127.0.0.1:1883' : null;
}
