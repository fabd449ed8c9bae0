import { Module } from '@nestjs/common';
import { PrivacyController } from './privacy.controller.js';
import { PrivacyService } from './privacy.service.js';
import { StudentDataRepository } from './student-data.repository.js';

/** Data-subject requests: export and erasure of a student (the retention job is the scheduler's). */
@Module({ controllers: [PrivacyController], providers: [PrivacyService, StudentDataRepository] })
export class PrivacyModule {}
