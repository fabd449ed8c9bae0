import { InitialSchema1763900000000 } from './1763900000000-initial-schema.js';
import { RosterOnGatewayChange1763900000001 } from './1763900000001-roster-on-gateway-change.js';
import { JobRuns1763900000100 } from './1763900000100-job-runs.js';
import { LeanIngest1763900000200 } from './1763900000200-lean-ingest.js';
import { NotificationOutbox1764100000000 } from './1764100000000-notification-outbox.js';
import { ZaloTokens1764150000000 } from './1764150000000-zalo-tokens.js';
import { PushSubscriptions1764150000001 } from './1764150000001-push-subscriptions.js';
import { Reports1764200000000 } from './1764200000000-reports.js';
import { Sessions1764300000000 } from './1764300000000-sessions.js';
import { ThrottleCounters1764300000100 } from './1764300000100-throttle-counters.js';
import { AuditAppendOnly1764300000200 } from './1764300000200-audit-append-only.js';
import { GatewaySecretRotation1764400000000 } from './1764400000000-gateway-secret-rotation.js';
import { StaffAlerts1765100000000 } from './1765100000000-staff-alerts.js';
import { ReportDeliveries1765600000000 } from './1765600000000-report-deliveries.js';
import { ZaloLoginLost1765700000000 } from './1765700000000-zalo-login-lost.js';

/** Every migration in order (TypeORM also orders them by the timestamp in the class name). Add new ones at the end. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  RosterOnGatewayChange1763900000001,
  JobRuns1763900000100,
  LeanIngest1763900000200,
  NotificationOutbox1764100000000,
  ZaloTokens1764150000000,
  PushSubscriptions1764150000001,
  Reports1764200000000,
  Sessions1764300000000,
  ThrottleCounters1764300000100,
  AuditAppendOnly1764300000200,
  GatewaySecretRotation1764400000000,
  StaffAlerts1765100000000,
  ReportDeliveries1765600000000,
  ZaloLoginLost1765700000000,
];
