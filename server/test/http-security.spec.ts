/**
 * What an attacker sees from outside: security headers and the CSP on every kind of page, no
 * `X-Powered-By`, CORS closed unless allowed, Socket.IO refusing foreign origins, `/metrics`
 * closed to strangers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from './support/test-server.js';
import { originAllowed } from '../src/security/http-security.js';

const webBuilt = existsSync(path.resolve(import.meta.dirname, '../../web/dist/index.html'));
if (!webBuilt) console.warn('web page checks skipped: web/dist is not built (npm run build)');
const describeWeb = webBuilt ? describe : describe.skip;

function expectHardened(res: Response, where: string): void {
  const h = res.headers;
  const csp = h.get('content-security-policy') ?? '';
  expect({ where, csp: csp.length > 0 }).toEqual({ where, csp: true });
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(h.get('x-content-type-options')).toBe('nosniff');
  expect(h.get('x-frame-options')).toBe('DENY');
  expect(h.get('referrer-policy')).toBe('no-referrer');
  expect(h.get('x-powered-by')).toBeNull();
}

/** Resolves with the connect error message, or 'connected'. */
function handshake(url: string, origin?: string): Promise<string> {
  const socket: Socket = ioClient(url, {
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: origin ? { origin } : {},
  });
  return new Promise((resolve) => {
    socket.on('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.on('connect_error', (e) => {
      socket.close();
      resolve(e.message);
    });
  });
}

describe('HTTP security: headers, CSP, CORS, Socket.IO origins, /metrics', () => {
  let server: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    open = await startTestServer({
      corsOrigins: ['https://truong.example.vn'],
      metricsToken: 'metrics-token-for-tests-0123',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await open?.stop();
  });

  it('headers and CSP on the API, an error, health, a deep link and the OpenAPI page', async () => {
    const u = server.httpUrl;
    expectHardened(await fetch(`${u}/api/v1/auth/me`), 'API 401');
    expectHardened(
      await fetch(`${u}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username":1}',
      }),
      'API 400',
    );
    expectHardened(await fetch(`${u}/healthz`), 'health');
    const docs = await fetch(`${u}/api/docs/`);
    expect(docs.status).toBe(200);
    expectHardened(docs, 'docs');
    // swagger-ui's own <style> elements: styles only, never scripts.
    expect(docs.headers.get('content-security-policy')).toContain("style-src 'self' 'unsafe-inline'");
    const api = await fetch(`${u}/api/v1/auth/me`);
    expect(api.headers.get('content-security-policy')).toContain("style-src 'self';");
  });

  describeWeb('the web app (web/dist)', () => {
    it('headers and CSP on the web app and its assets; the page has no inline script', async () => {
      const page = await fetch(`${server.httpUrl}/`);
      expect(page.status).toBe(200);
      expectHardened(page, '/');
      const html = await page.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      const deep = await fetch(`${server.httpUrl}/schools/6A/attendance`, {
        headers: { accept: 'text/html' },
      });
      expect(deep.status).toBe(200);
      expectHardened(deep, 'deep link');
      expect(await deep.text()).toBe(html);
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
      expectHardened(await fetch(`${server.httpUrl}${asset}`), 'asset');
    });
  });

  it('CORS is closed by default and open only to CORS_ORIGINS', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/api/v1/schools`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const closed = await preflight(server.httpUrl, 'http://evil.example');
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
    expect(
      (
        await fetch(`${server.httpUrl}/api/v1/auth/me`, { headers: { origin: 'http://evil.example' } })
      ).headers.get('access-control-allow-origin'),
    ).toBeNull();
    expect(
      (await preflight(open.httpUrl, 'http://evil.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();
    const allowed = await preflight(open.httpUrl, 'https://truong.example.vn');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://truong.example.vn');
  });

  it('the Socket.IO handshake refuses a foreign Origin unless it is allowed', async () => {
    expect(await handshake(server.httpUrl, 'http://evil.example')).not.toBe('connected');
    expect(await handshake(server.httpUrl, server.httpUrl)).toBe('connected'); // same origin
    expect(await handshake(server.httpUrl)).toBe('connected'); // no Origin: not a browser
    expect(await handshake(open.httpUrl, 'http://evil.example')).not.toBe('connected');
    expect(await handshake(open.httpUrl, 'https://truong.example.vn')).toBe('connected');
  });

  it('/metrics answers loopback without METRICS_TOKEN, and only the token when it is set', async () => {
    expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${open.httpUrl}/metrics`)).status).toBe(401);
    expect(
      (
        await fetch(`${open.httpUrl}/metrics`, {
          headers: { authorization: 'Bearer wrong-token-wrong-token-0' },
        })
      ).status,
    ).toBe(401);
    const ok = await fetch(`${open.httpUrl}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-for-tests-0123' },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# HELP');
  });

  it('originAllowed: same host, listed origins, garbage refused', () => {
    expect(originAllowed(undefined, 'a:1', [])).toBe(true);
    expect(originAllowed('http://a:1', 'a:1', [])).toBe(true);
    expect(originAllowed('http://b:1', 'a:1', [])).toBe(false);
    expect(originAllowed('http://b:1', 'a:1', ['http://b:1'])).toBe(true);
    expect(originAllowed('null', 'a:1', [])).toBe(false);
  });
});
