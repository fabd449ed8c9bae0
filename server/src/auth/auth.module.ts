import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthLiveAccessPolicy } from './auth-live-access.policy.js';
import { AuthService, JWT_ALGORITHM } from './auth.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { ScopeInterceptor } from './scope.interceptor.js';
import { ScopeService } from './scope.service.js';

/** Sign-in, tokens, the global AuthGuard (scope of every route), the Socket.IO join policy. */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [SERVER_CONFIG],
      useFactory: (config: ServerConfig) => ({
        secret: config.jwtSecret!,
        signOptions: { algorithm: JWT_ALGORITHM },
        verifyOptions: { algorithms: [JWT_ALGORITHM] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionsRepository,
    SessionsService,
    ScopeService,
    AuthLiveAccessPolicy,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: ScopeInterceptor },
  ],
  exports: [AuthService, SessionsService, ScopeService, AuthLiveAccessPolicy],
})
export class AuthModule {}
