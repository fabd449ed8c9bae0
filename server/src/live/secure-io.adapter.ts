/**
 * Socket.IO with the HTTP server's origin rule: a handshake whose `Origin` is neither this host
 * nor in CORS_ORIGINS is refused before any event (`allowRequest`), on every transport —
 * Socket.IO's own `cors` option only sets response headers and would not stop a WebSocket.
 */
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { INestApplicationContext } from '@nestjs/common';
import type { Server, ServerOptions } from 'socket.io';
import { originAllowed } from '../security/http-security.js';

export class SecureIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = this.allowedOrigins;
    return super.createIOServer(port, {
      ...options,
      cors: allowed.length ? { origin: allowed.includes('*') ? true : [...allowed] } : undefined,
      allowRequest: (req, callback) => {
        const ok = originAllowed(req.headers.origin, req.headers.host, allowed);
        callback(ok ? null : 'origin not allowed', ok);
      },
    } as ServerOptions) as Server;
  }
}
