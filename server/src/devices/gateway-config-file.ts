/**
 * The gateway config file handed out at registration, so installing the edge box is "copy one
 * file, start one service" (deploy/systemd). Pure: the caller says where the broker is.
 */
import type { GatewayConfigFile } from '@rfid/protocol';

export interface BrokerForGateways {
  /** The URL gateways dial: GATEWAY_MQTT_URL, MQTT_URL, or the embedded broker (TLS preferred). */
  url: string;
  /** PEM of the CA that signed the broker's certificate, when it is a private one. */
  ca?: string | undefined;
}

/** Where the systemd unit (`deploy/systemd/rfid-gateway.service`) keeps the gateway's data. */
export const GATEWAY_DATA_DIR = '/var/lib/rfid-gateway';

export function gatewayConfigFile(
  gateway: { schoolId: string; gatewayId: string; mqttUsername: string; mqttPassword: string },
  broker: BrokerForGateways,
  timeZone: string,
): GatewayConfigFile {
  const tls =
    broker.url.startsWith('mqtts://') || broker.url.startsWith('tls://') || broker.url.startsWith('wss://');
  return {
    schoolId: gateway.schoolId,
    gatewayId: gateway.gatewayId,
    mqtt: {
      url: broker.url,
      username: gateway.mqttUsername,
      password: gateway.mqttPassword,
      ...(tls && broker.ca ? { ca: broker.ca } : {}),
    },
    dataDir: GATEWAY_DATA_DIR,
    timeZone,
    terminals: [],
  };
}

/** The broker address for gateways from the server's configuration and its embedded broker. */
export function brokerForGateways(
  config: {
    gatewayMqttUrl?: string | undefined;
    mqttUrl?: string | undefined;
    mqttsPort: number | null;
    mqttPort: number | null;
    tlsNames: string[];
  },
  embedded: { tlsPort: number | null; port: number | null; ca: string | null },
  host: string,
): BrokerForGateways {
  const ca = embedded.ca ?? undefined;
  if (config.gatewayMqttUrl) return { url: config.gatewayMqttUrl, ca };
  if (config.mqttUrl) return { url: config.mqttUrl };
  const name = config.tlsNames[0] ?? host;
  if (embedded.tlsPort !== null) return { url: `mqtts://${name}:${embedded.tlsPort}`, ca };
  return { url: `mqtt://${name}:${embedded.port ?? 1883}` };
}
