import { Module } from '@nestjs/common';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';
import { UserAccessRepository } from './user-access.repository.js';
import { UsersRepository } from './users.repository.js';

@Module({
  controllers: [UsersController],
  providers: [UsersService, UserAccessRepository, UsersRepository],
  exports: [UsersService],
})
export class UsersModule {}
