/**
 * Socket.IO across server replicas: with REDIS_URL set, every replica's events reach every
 * replica's clients through `@socket.io/redis-adapter` (Redis pub/sub). One file owns the two
 * Redis connections; without REDIS_URL the default in-memory adapter serves one instance.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server, ServerOptions } from 'socket.io';
import { SecureIoAdapter } from './secure-io.adapter.js';

export class RedisIoAdapter extends SecureIoAdapter {
  private adapterConstructor: ReturnType<typeof createAdapter> | null = null;
  private readonly clients: ReturnType<typeof createClient>[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly redisUrl: string,
    allowedOrigins: readonly string[],
  ) {
    super(app, allowedOrigins);
  }

  /** Connect both Redis clients before the HTTP server listens (fails fast when Redis is down). */
  async connect(): Promise<void> {
    const pub = createClient({ url: this.redisUrl });
    const sub = pub.duplicate();
    this.clients.push(pub, sub);
    await Promise.all([pub.connect(), sub.connect()]);
    this.adapterConstructor = createAdapter(pub, sub);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    if (this.adapterConstructor) server.adapter(this.adapterConstructor);
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await Promise.allSettled(this.clients.map((c) => c.quit()));
  }
}
