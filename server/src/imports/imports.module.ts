import { Module } from '@nestjs/common';
import { ImportsController } from './imports.controller.js';
import { ImportService } from './import.service.js';
import { ImportRepository } from './import.repository.js';

@Module({
  controllers: [ImportsController],
  providers: [ImportService, ImportRepository],
  exports: [ImportService],
})
export class ImportsModule {}
