/** The fault drills by name (`run-drills --only <name>`). */
import type { Drill } from './drill.js';
import { drillBrokerRestart } from './broker-restart.js';
import { drillGatewayKill9 } from './gateway-kill9.js';
import { drillLinkCut } from './link-cut.js';
import { drillPostgresRestart } from './postgres-restart.js';
import { drillProvidersDown } from './providers-down.js';
import { drillServerKill9 } from './server-kill9.js';
import type { DrillResult } from './rig.js';

export type DrillName =
  'server_kill9' | 'broker_restart' | 'postgres_restart' | 'gateway_kill9' | 'link_cut' | 'providers_down';

/** A drill resolves `null` when it cannot run here (broker_restart without Mosquitto). */
export const DRILLS: Record<DrillName, (ctx: Parameters<Drill>[0]) => Promise<DrillResult | null>> = {
  server_kill9: drillServerKill9,
  broker_restart: drillBrokerRestart,
  postgres_restart: drillPostgresRestart,
  gateway_kill9: drillGatewayKill9,
  link_cut: drillLinkCut,
  providers_down: drillProvidersDown,
};

export type { DrillContext } from './drill.js';
export type { DrillResult } from './rig.js';
