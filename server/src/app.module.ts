import { Module, type DynamicModule } from '@nestjs/common';
import type { Clock } from '@rfid/protocol';
import type { ServerConfig } from './config/config.js';
import type { Logger } from './logger.js';
import { CoreModule } from './core.module.js';
import { DbModule } from './db/db.module.js';
import { DirectoryModule } from './directory/directory.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MqttModule } from './mqtt/mqtt.module.js';
import { LiveModule } from './live/live.module.js';
import { AttendanceModule } from './attendance/attendance.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { HealthModule } from './health/health.module.js';
import { SchedulerModule } from './scheduler/scheduler.module.js';
import { StatusModule } from './status/status.module.js';
import { RosterModule } from './roster/roster.module.js';
// People, roles and data entry (#6).
import { AuthModule } from './auth/auth.module.js';
import { ThrottleModule } from './throttle/throttle.module.js';
import { PrivacyModule } from './privacy/privacy.module.js';
import { AuditModule } from './audit/audit.module.js';
import { UsersModule } from './users/users.module.js';
import { PeopleModule } from './people/people.module.js';
import { ImportsModule } from './imports/imports.module.js';
import { CardsModule } from './cards/cards.module.js';
import { ManualAttendanceModule } from './manual-attendance/manual-attendance.module.js';
// Parent notifications (#13).
import { NotificationsModule } from './notifications/notifications.module.js';
import { PushModule } from './push/push.module.js';
import { ReportsModule } from './reports/reports.module.js';

export interface AppModuleOptions {
  config: ServerConfig;
  databaseUrl: string;
  clock: Clock;
  logger: Logger;
}

/** The application: one feature module per concern. Add new feature modules to `imports`. */
@Module({})
export class AppModule {
  static register(o: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(o.config, o.clock, o.logger),
        DbModule.forRoot(o.databaseUrl, `rfid-server:${o.config.serverId}`),
        DirectoryModule,
        MetricsModule,
        DevicesModule,
        MqttModule,
        LiveModule,
        AttendanceModule,
        IngestModule,
        StatusModule,
        RosterModule,
        HealthModule,
        SchedulerModule,
        AuditModule,
        ThrottleModule,
        AuthModule,
        UsersModule,
        PeopleModule,
        ImportsModule,
        CardsModule,
        ManualAttendanceModule,
        PrivacyModule,
        NotificationsModule,
        PushModule,
        ReportsModule,
      ],
    };
  }
}
