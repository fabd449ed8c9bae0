/**
 * Starts the ADMS side of a gateway when its config has `adms` terminals: the store beside the
 * queue, the service, and one HTTP listener per distinct `adms://HOST:PORT`.
 */
import path from 'node:path';
import type { Clock, RosterMessage } from '@rfid/protocol';
import type { Logger } from 'pino';
import { parseAdmsSource, type AdmsTerminalConfig } from './adms-config.js';
import { AdmsHttpServer } from './adms-server.js';
import { AdmsService } from './adms-service.js';
import { AdmsStore } from './adms-store.js';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { RosterIndex } from './roster-index.js';
import type { StoredTap, TapQueue } from './tap-queue.js';

export interface AdmsGatewayDeps {
  queue: TapQueue;
  clock: Clock;
  roster: () => RosterIndex;
  savedRoster: RosterMessage | undefined;
  metrics: GatewayMetrics;
  log: Logger;
  onStored: (tap: StoredTap) => void;
}

export interface AdmsGateway {
  service: AdmsService;
  ports: number[];
  close(): Promise<void>;
}

export async function startAdms(
  config: GatewayConfig,
  deps: AdmsGatewayDeps,
): Promise<AdmsGateway | undefined> {
  const terminals = config.terminals.filter((t): t is AdmsTerminalConfig => t.format === 'adms');
  if (terminals.length === 0) return undefined;
  const store = new AdmsStore(path.join(config.dataDir, 'adms.sqlite'));
  const service = new AdmsService({
    terminals,
    settings: config.adms,
    queue: deps.queue,
    store,
    clock: deps.clock,
    timeZone: config.timeZone,
    roster: deps.roster,
    metrics: deps.metrics,
    log: deps.log,
    onStored: deps.onStored,
  });
  service.onRoster(deps.savedRoster);
  const addresses = [...new Set(terminals.map((t) => t.source))].map(parseAdmsSource);
  const server = new AdmsHttpServer(service, deps.log);
  try {
    await server.listen(addresses);
  } catch (err) {
    await server.close();
    store.close();
    throw err;
  }
  return {
    service,
    ports: server.ports,
    close: async () => {
      await server.close();
      store.close();
    },
  };
}
