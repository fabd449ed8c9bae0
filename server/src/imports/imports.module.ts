import { Module } from '@nestjs/common';
import { ImportsController } from './imports.controller.js';
import { ImportService } from './import.service.js';

@Module({ controllers: [ImportsController], providers: [ImportService], exports: [ImportService] })
export class ImportsModule {}
