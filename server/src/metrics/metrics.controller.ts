import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiProduces, ApiResponse } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { DomainError } from '../common/domain-error.js';
import { MetricsService } from './metrics.service.js';

interface MetricsRequest {
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * `/metrics` (Prometheus). With METRICS_TOKEN set it needs `Authorization: Bearer <token>`;
 * without it only loopback callers get an answer (a scraper beside the server). The socket's
 * address is used, never X-Forwarded-For: a reverse proxy on the same host does not make the
 * internet local, so deploy/nginx also refuses `/metrics`.
 */
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | null;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(SERVER_CONFIG) config: ServerConfig,
  ) {
    this.token = config.metricsToken ? Buffer.from(config.metricsToken) : null;
  }

  @Get()
  @Header('cache-control', 'no-store')
  @ApiProduces('text/plain')
  @ApiResponse({
    status: 200,
    description:
      'Prometheus text exposition format (loopback only, or `Authorization: Bearer METRICS_TOKEN`)',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async scrape(
    @Req() req: MetricsRequest,
    @Res() res: { type(t: string): { send(b: string): void } },
  ): Promise<void> {
    this.authorize(req);
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }

  private authorize(req: MetricsRequest): void {
    if (!this.token) {
      if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return;
      throw new DomainError(
        'forbidden',
        '/metrics answers loopback callers only unless METRICS_TOKEN is set',
      );
    }
    const header = req.headers.authorization;
    const given = Buffer.from(
      /^Bearer\s+(\S+)$/i.exec(typeof header === 'string' ? header.trim() : '')?.[1] ?? '',
    );
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token))
      throw new DomainError('unauthorized', '/metrics needs Authorization: Bearer <METRICS_TOKEN>');
  }
}
