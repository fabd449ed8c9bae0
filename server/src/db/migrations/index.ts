import { InitialSchema1763900000000 } from './1763900000000-initial-schema.js';
import { RosterOnGatewayChange1763900000001 } from './1763900000001-roster-on-gateway-change.js';
import { JobRuns1763900000100 } from './1763900000100-job-runs.js';
import { LeanIngest1763900000200 } from './1763900000200-lean-ingest.js';
import { Reports1764200000000 } from './1764200000000-reports.js';

/** Every migration in order. Add new ones at the end (timestamped class names). */
export const MIGRATIONS = [InitialSchema1763900000000, RosterOnGatewayChange1763900000001, JobRuns1763900000100, LeanIngest1763900000200, Reports1764200000000];
