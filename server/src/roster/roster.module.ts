import { Module } from '@nestjs/common';
import { RosterService } from './roster.service.js';

@Module({ providers: [RosterService], exports: [RosterService] })
export class RosterModule {}
