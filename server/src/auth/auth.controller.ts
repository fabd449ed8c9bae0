import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseBody } from '../common/validation.js';
import { ZodBody, ZodResponse } from '../common/openapi.js';
import { CallerSchema, LoginBodySchema, LoginResponseSchema, type LoginResponse } from '@rfid/protocol';
import { AuthService } from './auth.service.js';
import { CurrentCaller, Public } from './decorators.js';
import type { Caller } from './caller.js';

const LoginBody = LoginBodySchema;

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: `{accessToken}` (JWT, 1 h). 5 failures for one username from one address → 429 for a minute.' })
  @ZodBody(LoginBody)
  @ZodResponse(LoginResponseSchema)
  async login(@Body() body: unknown, @Req() req: { ip?: string; socket?: { remoteAddress?: string } }): Promise<LoginResponse> {
    const { username, password } = parseBody(LoginBody, body);
    return this.auth.login(username, password, req.ip ?? req.socket?.remoteAddress ?? 'unknown');
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user and its scope.' })
  @ZodResponse(CallerSchema)
  me(@CurrentCaller() caller: Caller): Caller {
    return caller;
  }
}
