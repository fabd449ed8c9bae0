import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseBody } from '../common/validation.js';
import { NoContentResponse, ZodBody, ZodResponse } from '../common/openapi.js';
import { CreatedIdSchema, UserViewsSchema } from '@rfid/protocol';
import { DomainError } from '../common/domain-error.js';
import { CurrentCaller } from '../auth/decorators.js';
import { isUuid } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { NewUserSchema, UserPatchSchema, UsersService, type UserView } from './users.service.js';

const UserPatch = UserPatchSchema;

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Create a user → `{id}`. Scope fields by role: district → districtId; school → schoolId; teacher → classIds (one school); parent → studentIds and/or guardianIds (the guardian rows the parent is: all their children follow). By an admin, or by district/school users inside their own scope.',
  })
  @ZodBody(NewUserSchema)
  @ZodResponse(CreatedIdSchema, { status: 201 })
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<{ id: string }> {
    return this.users.create(caller, parseBody(NewUserSchema, body));
  }

  @Get()
  @ApiOperation({ summary: 'Users in the caller’s scope (others see only themselves).' })
  @ZodResponse(UserViewsSchema)
  async list(@CurrentCaller() caller: Caller): Promise<UserView[]> {
    return this.users.list(caller);
  }

  @Patch(':userId')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Change password / display name / active / role / scope (staff within scope, to a role and scope they could create; anybody their own password and name). A password change ends the user’s other sessions; deactivation and a role or scope change end all of them, live connections included.',
  })
  @ZodBody(UserPatch)
  @NoContentResponse()
  async update(
    @CurrentCaller() caller: Caller,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ): Promise<void> {
    if (!isUuid(userId)) throw new DomainError('not_found', `user ${userId} not found`);
    await this.users.update(caller, userId, parseBody(UserPatch, body));
  }
}
