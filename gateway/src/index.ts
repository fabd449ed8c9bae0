/** Public API of `@rfid/gateway` (see README.md). */
export { startGateway, GatewayHandle, GATEWAY_VERSION } from './gateway.js';
export type { GatewayDeps, GatewayEvents, GatewayStatus } from './gateway.js';
export {
  loadGatewayConfig,
  parseGatewayConfig,
  parseTerminalSource,
  GatewayConfigSchema,
  TerminalConfigSchema,
  ConfigError,
} from './config.js';
export type { GatewayConfig, GatewayConfigInput, TerminalConfig, TerminalSource } from './config.js';
export type { TapQueue, NewTap, StoredTap, QueueLimits, StoredAnswer } from './tap-queue.js';
export { toWireTap } from './tap-queue.js';
export { SqliteTapQueue } from './sqlite-queue.js';
export { MemoryTapQueue } from './memory-queue.js';
export { RosterIndex } from './roster-index.js';
export { RepeatFilter } from './repeat-filter.js';
export { decodeBytes, decodeStream, toDecodedLine } from './decode.js';
export type { DecodedLine, DecodeSummary } from './decode.js';
export type { GatewayMetrics, GatewayTotals } from './metrics.js';
export type { Lane } from './tap-publisher.js';
export type { TerminalState } from './terminal-session.js';
export { AdmsTerminalConfigSchema, parseAdmsSource } from './adms-config.js';
export type { AdmsTerminalConfig, AdmsSettings } from './adms-config.js';
export { AdmsStore } from './adms-store.js';
export type { AdmsCounters } from './adms-service.js';
export { planUserSync, ClockOffsetEstimator } from './adms-sync.js';
export type { OnceItem } from './tap-queue.js';
export { createGatewayLogger, REDACTED_PATHS } from './logger.js';
