import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseBody } from '../common/validation.js';
import { NoContentResponse, ZodBody, ZodResponse } from '../common/openapi.js';
import { DomainError } from '../common/domain-error.js';
import {
  CallerSchema,
  LoginBodySchema,
  LoginResponseSchema,
  LogoutBodySchema,
  RefreshBodySchema,
  SessionViewsSchema,
  type LoginResponse,
  type SessionView,
} from '@rfid/protocol';
import { AuthService, bearerToken } from './auth.service.js';
import { SessionsService } from './sessions.service.js';
import { CurrentCaller, Public } from './decorators.js';
import { isUuid } from './scope.service.js';
import type { Caller } from './caller.js';

interface AuthRequest {
  ip?: string;
  socket?: { remoteAddress?: string };
  headers: Record<string, string | string[] | undefined>;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in: `{accessToken, refreshToken, expiresIn}` — a JWT of at most 15 minutes and the refresh token of a new session. 5 failures for one username from one address → 429 for a minute (across replicas).',
  })
  @ZodBody(LoginBodySchema)
  @ZodResponse(LoginResponseSchema)
  async login(@Body() body: unknown, @Req() req: AuthRequest): Promise<LoginResponse> {
    const { username, password } = parseBody(LoginBodySchema, body);
    const ua = req.headers['user-agent'];
    return this.auth.login(
      username,
      password,
      req.ip ?? req.socket?.remoteAddress ?? 'unknown',
      typeof ua === 'string' ? ua : null,
    );
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A new token pair for a refresh token, which is spent. A spent refresh token presented again ends its whole session (RFC 9700).',
  })
  @ZodBody(RefreshBodySchema)
  @ZodResponse(LoginResponseSchema)
  async refresh(@Body() body: unknown): Promise<LoginResponse> {
    return this.auth.refresh(parseBody(RefreshBodySchema, body).refreshToken);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'End the session of `refreshToken` (or, without one, of the bearer token): its tokens and live connections stop at once.',
  })
  @ZodBody(LogoutBodySchema)
  @NoContentResponse()
  async logout(@Body() body: unknown, @Req() req: AuthRequest): Promise<void> {
    await this.auth.logout(
      parseBody(LogoutBodySchema, body ?? {}).refreshToken,
      bearerToken(req.headers.authorization),
    );
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user and its scope.' })
  @ZodResponse(CallerSchema)
  me(@CurrentCaller() caller: Caller): Caller {
    return caller;
  }

  @Get('sessions')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The caller’s open sessions (sign-ins), newest use first.' })
  @ZodResponse(SessionViewsSchema)
  async listSessions(@CurrentCaller() caller: Caller): Promise<SessionView[]> {
    return (await this.sessions.list(caller.userId)).map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      userAgent: s.userAgent,
      current: s.id === caller.sessionId,
    }));
  }

  @Delete('sessions/:sessionId')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of the caller’s own sessions (e.g. a phone left signed in).' })
  @NoContentResponse()
  async endSession(@CurrentCaller() caller: Caller, @Param('sessionId') sessionId: string): Promise<void> {
    if (!isUuid(sessionId) || (await this.sessions.ownerOf(sessionId)) !== caller.userId)
      throw new DomainError('not_found', `session ${sessionId} not found`);
    await this.sessions.end(sessionId, 'ended_by_user');
  }
}
