import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthLiveAccessPolicy } from './auth-live-access.policy.js';
import { AuthService } from './auth.service.js';
import { ScopeInterceptor } from './scope.interceptor.js';
import { ScopeService } from './scope.service.js';

/** Sign-in, tokens, the global AuthGuard (scope of every route), the Socket.IO join policy. */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [SERVER_CONFIG],
      useFactory: (config: ServerConfig) => ({ secret: config.jwtSecret!, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    ScopeService,
    AuthLiveAccessPolicy,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: ScopeInterceptor },
  ],
  exports: [AuthService, ScopeService, AuthLiveAccessPolicy],
})
export class AuthModule {}
