import { InitialSchema1763900000000 } from './1763900000000-initial-schema.js';
import { RosterOnGatewayChange1763900000001 } from './1763900000001-roster-on-gateway-change.js';
import { JobRuns1763900000100 } from './1763900000100-job-runs.js';
import { LeanIngest1763900000200 } from './1763900000200-lean-ingest.js';
import { Sessions1764300000000 } from './1764300000000-sessions.js';
import { ThrottleCounters1764300000100 } from './1764300000100-throttle-counters.js';
import { AuditAppendOnly1764300000200 } from './1764300000200-audit-append-only.js';

/** Every migration in order. Add new ones at the end (timestamped class names). */
export const MIGRATIONS = [InitialSchema1763900000000, RosterOnGatewayChange1763900000001, JobRuns1763900000100, LeanIngest1763900000200, Sessions1764300000000, ThrottleCounters1764300000100, AuditAppendOnly1764300000200];
