/**
 * The processes a fault drill starts, stops and kills: the server CLI, gateway CLIs, a Mosquitto,
 * an embedded PostgreSQL that can be stopped and started on the same port and data directory, and a
 * TCP proxy that can cut a link. Each child keeps the tail of its output for the failure report.
 */
export { Child, GATEWAY_CLI, SERVER_MAIN, freePort, isListening, killAllChildren, waitFor } from './child.js';
export {
  GatewayProcess,
  MosquittoProcess,
  ServerProcess,
  type GatewayMetricsSnapshot,
  type ServerProcessOptions,
} from './service-processes.js';
export { LinkProxy } from './link-proxy.js';
export { DrillPostgres } from './drill-postgres.js';
