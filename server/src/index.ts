export { createServer, type RunningServer, type ServerDeps } from './server.js';
export { parseConfig, configFromEnv, type ServerConfig } from './config/config.js';
export { DirectoryService, type NewGuardian, type NewStudent } from './directory/directory.service.js';
export { openDirectory, type StandaloneDirectory } from './directory/standalone.js';
export { DevicesService } from './devices/devices.service.js';
export { startEmbeddedPostgres } from './db/embedded-postgres.js';
export { runMigrations } from './db/data-source.js';
export { dataSourceOptions } from './db/data-source.js';
export { freePort } from './db/embedded-postgres.js';
export { hashGatewaySecret } from './devices/gateway-secret.js';
// People, roles and data entry (#6): in-process seeding/imports and the import benchmark.
export {
  ImportService,
  SYSTEM_CALLER,
  type ImportReport,
  type ImportOptions,
} from './imports/import.service.js';
export { benchImport, benchStudentsCsv, benchSchoolsCsv, type ImportTiming } from './bench/import-bench.js';
export { NotificationsService } from './notifications/notifications.service.js';
export { StaffAlertsService } from './notifications/staff-alerts.js';
