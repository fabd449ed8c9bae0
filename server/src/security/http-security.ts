/**
 * HTTP hardening of the one Express app: helmet's headers with a strict Content-Security-Policy
 * (the Vite build has no inline script; Socket.IO is same-origin), no `X-Powered-By`, CORS closed
 * unless CORS_ORIGINS lists an origin, and `X-Forwarded-For` trusted only for TRUST_PROXY hops.
 */
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { ServerConfig } from '../config/config.js';

/** The policy of every page and API answer. `'self'` in connect-src covers same-origin ws:/wss:. */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The OpenAPI page (swagger-ui) writes its layout in `<style>` elements: styles only, scripts stay
 * `'self'`. Nothing else gets `'unsafe-inline'`.
 */
const DOCS_POLICY: Record<string, string[]> = {
  ...CONTENT_SECURITY_POLICY,
  'style-src': ["'self'", "'unsafe-inline'"],
};

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

function helmetWith(directives: Record<string, string[]>): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    // HSTS belongs to whoever terminates TLS (deploy/nginx); this server speaks plain HTTP behind it.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  }) as Middleware;
}

/** Whether a browser `Origin` may talk to us: same host as the request, or in CORS_ORIGINS. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (!origin) return true; // not a browser cross-site request (curl, gateways, tests)
  if (allowed.includes(origin) || allowed.includes('*')) return true;
  try {
    return !!host && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function applyHttpSecurity(app: INestApplication, config: ServerConfig): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  if (config.trustProxy > 0) express.set('trust proxy', config.trustProxy);
  const pages = helmetWith(CONTENT_SECURITY_POLICY);
  const docs = helmetWith(DOCS_POLICY);
  app.use((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) =>
    (req.url?.startsWith('/api/docs') ? docs : pages)(req, res, next),
  );
  if (config.corsOrigins.length) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      credentials: false,
      maxAge: 600,
    });
  }
}
