/**
 * Machine services the integration tests use when present: an external MQTT broker
 * (MQTT_EXTERNAL_URL, else a Mosquitto on 127.0.0.1:1883) and Redis (REDIS_URL, else
 * 127.0.0.1:6379). Each answers null (tests skip, saying why) when absent, or when its variable
 * is `none`.
 */
import net from 'node:net';

/** Whether something accepts TCP connections on host:port within `timeoutMs`. */
export function tcpReachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function serviceUrl(
  configured: string | undefined,
  port: number,
  scheme: string,
): Promise<string | null> {
  if (configured === 'none') return null;
  if (configured) return configured;
  return (await tcpReachable('127.0.0.1', port)) ? `${scheme}://127.0.0.1:${port}` : null;
}

export function externalBrokerUrl(): Promise<string | null> {
  return serviceUrl(process.env.MQTT_EXTERNAL_URL, 1883, 'mqtt');
}

export function redisUrl(): Promise<string | null> {
  return serviceUrl(process.env.REDIS_URL, 6379, 'redis');
}
