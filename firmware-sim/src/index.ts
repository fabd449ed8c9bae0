/**
 * @rfid/firmware-sim: simulated attendance terminals (CONTRACT §1) over real serial (pty) and TCP
 * links, workloads (single taps, rosters, morning rushes) and faults. See README.md.
 */
export {
  createTerminal,
  openLink,
  SimulatedTerminal,
  type AckEvent,
  type AckOutcome,
  type Buzzer,
  type DisplayEvent,
  type GatewayTerminalConfig,
  type NoAckOutcome,
  type SentEvent,
  type SentOutcome,
  type TapOutcome,
  type TapResult,
  type TerminalOptions,
  type TerminalStats,
} from './terminal.js';
export type { LinkOptions, TerminalLink } from './links/link.js';
export { DEFAULT_BAUD_RATE } from './links/serial-link.js';
export { cardAsRead, encodeRead, encodeHeartbeat, type ReaderModel } from './frames.js';
export { corruptFrame, cutFrame, noiseBurst, type Fault, type FaultRates } from './faults.js';
export { cardFromInput, generateEmCards, widenToEm40, DEFAULT_VERSION_BYTE } from './cards.js';
export {
  loadRosterCsv,
  parseRosterCsv,
  ROSTER_COLUMNS,
  type RosterStudent,
  type RosterCsvOptions,
  type RosterLoadResult,
} from './roster-csv.js';
export {
  arrivalHistogram,
  morningRush,
  multiSchoolRush,
  planToLines,
  type MorningRushOptions,
  type MultiSchoolRushOptions,
  type MultiSchoolRushPlan,
  type RushCounts,
  type RushPlan,
  type RushStudent,
  type RushTap,
  type SchoolRushSpec,
} from './rush.js';
export { runPlan, type RunOptions, type RunProgress, type RunResult, type TapTaker } from './run-plan.js';
export {
  SimulatedAdmsTerminal,
  type AdmsGatewayTerminalConfig,
  type AdmsTerminalOptions,
  type AdmsTerminalStats,
  type AdmsUserEntry,
} from './adms-terminal.js';
export { deriveSeed, SeededRandom } from './rng.js';
export { SimError, type SimErrorCode } from './errors.js';
