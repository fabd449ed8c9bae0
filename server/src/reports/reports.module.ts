import { Module } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { EmailChannel } from '../notifications/channels/email.channel.js';
import { ReportsController } from './reports.controller.js';
import { ReportsRepository } from './reports.repository.js';
import { ReportsService } from './reports.service.js';
import { ReportDeliveriesRepository } from './report-deliveries.repository.js';
import { ReportDeliveryService } from './report-delivery.service.js';
import { REPORT_MAILER } from './report-delivery.js';

/** Daily (school, district, province) and period reports, their revisions, exports and delivery (#14). */
@Module({
  controllers: [ReportsController],
  providers: [
    ReportsService,
    ReportsRepository,
    ReportDeliveriesRepository,
    ReportDeliveryService,
    {
      // The notifications e-mail channel mails the reports (its own SMTP pool) when SMTP_URL and MAIL_FROM are set.
      provide: REPORT_MAILER,
      inject: [SERVER_CONFIG],
      useFactory: (c: ServerConfig) =>
        c.smtpUrl && c.mailFrom ? new EmailChannel({ smtpUrl: c.smtpUrl, from: c.mailFrom }) : null,
    },
  ],
  exports: [ReportsService],
})
export class ReportsModule {}
