import { Module } from '@nestjs/common';
import { DirectoryRepository } from './directory.repository.js';
import { DirectoryService } from './directory.service.js';

@Module({ providers: [DirectoryRepository, DirectoryService], exports: [DirectoryService] })
export class DirectoryModule {}
