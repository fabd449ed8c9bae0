/**
 * `createServer`: the whole server in-process (used by the CLI, the demo, the benchmarks and the
 * tests). Starts the embedded PostgreSQL when no DATABASE_URL is given, migrates, then the Nest
 * application (HTTP + Socket.IO, MQTT broker/client, ingest).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { systemClock, type Clock } from '@rfid/protocol';
import { parseConfig, type ServerConfig } from './config/config.js';
import { createLogger, PinoNestLogger, type Logger } from './logger.js';
import { AppModule } from './app.module.js';
import { runMigrations } from './db/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { DomainErrorFilter } from './common/domain-error.js';
import { PgErrorFilter } from './common/pg-error.filter.js';
import { setupOpenApi } from './common/openapi.js';
import { EmbeddedBrokerService } from './mqtt/embedded-broker.service.js';
import { RedisIoAdapter } from './live/redis-io.adapter.js';
import { SecureIoAdapter } from './live/secure-io.adapter.js';
import { applyHttpSecurity } from './security/http-security.js';

export interface RunningServer {
  httpUrl: string;
  httpPort: number;
  /** The broker the gateways use: the embedded one (`mqtt://127.0.0.1:PORT`) or MQTT_URL. */
  mqttUrl: string;
  mqttPort: number | null;
  /** MQTT over TLS of the embedded broker (`mqtts://localhost:PORT`), its port and the CA file gateways trust; null when off. */
  mqttsUrl: string | null;
  mqttsPort: number | null;
  tlsCaPath: string | null;
  databaseUrl: string;
  config: ServerConfig;
  app: INestApplication;
  logger: Logger;
  close(): Promise<void>;
}

export interface ServerDeps {
  clock?: Clock;
  logger?: Logger;
}

export async function createServer(
  input: Partial<ServerConfig> = {},
  deps: ServerDeps = {},
): Promise<RunningServer> {
  const config = parseConfig(input);
  const logger = deps.logger ?? createLogger(config.logLevel, { server: config.serverId });
  const clock = deps.clock ?? systemClock;
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'pg'), log: logger });
    databaseUrl = embedded.url;
  }
  let app: INestApplication | null = null;
  try {
    const applied = await runMigrations(databaseUrl);
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    app = await NestFactory.create(AppModule.register({ config, databaseUrl, clock, logger }), {
      logger: new PinoNestLogger(logger.child({ component: 'nest' })),
      bodyParser: true,
      rawBody: true, // provider callbacks are verified over their exact bytes
    });
    app.setGlobalPrefix('api/v1', { exclude: ['healthz', 'readyz', 'metrics'] });
    applyHttpSecurity(app, config); // before the static files, so every page gets the headers
    serveWeb(app, logger);
    if (config.redisUrl) {
      const adapter = new RedisIoAdapter(app, config.redisUrl, config.corsOrigins);
      await adapter.connect();
      app.useWebSocketAdapter(adapter);
    } else {
      app.useWebSocketAdapter(new SecureIoAdapter(app, config.corsOrigins));
    }
    app.useGlobalFilters(new DomainErrorFilter(), new PgErrorFilter(logger));
    setupOpenApi(app);
    await app.listen(config.httpPort, config.httpHost);
    const { port: httpPort } = app.getHttpServer().address() as AddressInfo;
    const { mqttUrl, mqttPort, mqttsUrl, mqttsPort, tlsCaPath } = brokerAddress(app, config);
    const running: RunningServer = {
      httpUrl: `http://127.0.0.1:${httpPort}`,
      httpPort,
      mqttUrl,
      mqttPort,
      mqttsUrl,
      mqttsPort,
      tlsCaPath,
      databaseUrl,
      config,
      app,
      logger,
      close: async () => {
        await app?.close();
        await embedded?.stop();
      },
    };
    logger.info(
      { httpUrl: running.httpUrl, mqttUrl, ...(mqttsUrl ? { mqttsUrl, tlsCa: tlsCaPath } : {}) },
      'server ready',
    );
    return running;
  } catch (e) {
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
}

interface WebRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  accepts(type: string): string | false;
}
interface WebResponse {
  setHeader(name: string, value: string): void;
  sendFile(file: string, options?: { dotfiles?: 'allow' | 'deny' | 'ignore' }): void;
  type(type: string): unknown;
}

/** Paths the single-page app never answers: the API, the live link, health and metrics. */
const NOT_WEB = /^\/(api|socket\.io|metrics|healthz|readyz)(\/|$)/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The encoding to send, from `Accept-Encoding` and the variants the build wrote: brotli before
 * gzip, nothing that the browser refuses (`q=0`); null for the file as it is.
 */
export function pickEncoding(
  accept: string | string[] | undefined,
  has: { br: boolean; gzip: boolean },
): 'br' | 'gzip' | null {
  const q = new Map<string, number>();
  for (const part of (Array.isArray(accept) ? accept.join(',') : (accept ?? '')).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qp ? Number(qp.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const accepted = (enc: string) => (q.get(enc) ?? q.get('*') ?? 0) > 0;
  if (has.br && accepted('br')) return 'br';
  if (has.gzip && accepted('gzip')) return 'gzip';
  return null;
}

/**
 * The dashboard (`web/dist`, built by `npm run build`) at `/`, next to the API. The build writes a
 * brotli and a gzip copy of every text file (web/vite.config.ts); they are sent as the browser
 * accepts, with `Content-Encoding` and `Vary: Accept-Encoding`, so nothing is compressed per
 * request. Hashed assets (`/assets/…`) are cached for a year as immutable; `index.html` and the
 * other fixed names (service worker, manifest) are revalidated on every load (a new build is seen
 * at once), and `index.html` answers every other GET that asks for HTML, so deep links
 * (`/board/…`, `/school/…`) work.
 */
function serveWeb(app: INestApplication, logger: Logger): void {
  const webDist = path.resolve(import.meta.dirname, '..', '..', 'web', 'dist');
  const indexHtml = path.join(webDist, 'index.html');
  if (!existsSync(indexHtml)) {
    logger.warn({ webDist }, 'web dashboard not built (npm run build): / serves nothing');
    return;
  }
  // URL path → the compressed copies beside it, read once (the build does not change under a
  // running server).
  const variants = new Map<string, { br: boolean; gzip: boolean }>();
  const files = new Set(
    readdirSync(webDist, { recursive: true, encoding: 'utf8' }).map((f) => '/' + f.split(path.sep).join('/')),
  );
  for (const f of files) {
    if (f.endsWith('.br') || f.endsWith('.gz')) continue;
    const has = { br: files.has(`${f}.br`), gzip: files.has(`${f}.gz`) };
    if (has.br || has.gzip) variants.set(f, has);
  }
  const cacheControl = (urlPath: string) => (urlPath.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
  /** Sends `urlPath` (a key of `variants` or a plain file) compressed if it can; false if it is no such file. */
  const send = (req: WebRequest, res: WebResponse, urlPath: string): boolean => {
    const has = variants.get(urlPath);
    if (!has) return false;
    const encoding = pickEncoding(req.headers['accept-encoding'], has);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', cacheControl(urlPath));
    res.type(path.extname(urlPath));
    const file = path.join(webDist, ...urlPath.split('/'));
    if (!encoding) res.sendFile(file);
    else {
      res.setHeader('Content-Encoding', encoding);
      res.sendFile(`${file}${encoding === 'br' ? '.br' : '.gz'}`);
    }
    return true;
  };
  const express = app as NestExpressApplication;
  express.use((req: WebRequest, res: WebResponse, next: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // Only the exact names the build wrote match (`req.path` as sent, not decoded), so nothing
    // outside web/dist can be named here.
    const urlPath = req.path === '/' ? '/index.html' : req.path;
    if (!send(req, res, urlPath)) next();
  });
  express.useStaticAssets(webDist, {
    index: 'index.html',
    setHeaders: (res: WebResponse, file: string) => {
      if (file.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', IMMUTABLE);
      else res.setHeader('Cache-Control', 'no-cache');
    },
  });
  express.use((req: WebRequest, res: WebResponse, next: () => void) => {
    // A missing file (`/assets/old-hash.js`, `/x.png`) stays a 404; a page path gets the app.
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      NOT_WEB.test(req.path) ||
      path.extname(req.path) ||
      !req.accepts('html')
    )
      return next();
    if (send(req, res, '/index.html')) return;
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
}

function brokerAddress(
  app: INestApplication,
  config: ServerConfig,
): Pick<RunningServer, 'mqttUrl' | 'mqttPort' | 'mqttsUrl' | 'mqttsPort' | 'tlsCaPath'> {
  if (config.mqttUrl)
    return { mqttUrl: config.mqttUrl, mqttPort: null, mqttsUrl: null, mqttsPort: null, tlsCaPath: null };
  const broker = app.get(EmbeddedBrokerService);
  return {
    // With plain MQTT off, the TLS listener is the broker's address.
    mqttUrl: broker.url ?? broker.tlsUrl!,
    mqttPort: broker.port,
    mqttsUrl: broker.tlsUrl,
    mqttsPort: broker.tlsPort,
    tlsCaPath: broker.tlsCa?.path ?? null,
  };
}
