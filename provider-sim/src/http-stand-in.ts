/**
 * What every HTTP stand-in shares: a node:http server on a given or free port that can be switched
 * down (connection refused, or 5xx answers) and back, made slow, and that records the messages it
 * accepted — once per idempotency key, as the real provider dedupes — plus the raw request count.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `refuse`: the port is closed (connection refused); `error`: every request answers 503. */
export type DownMode = 'refuse' | 'error';

export interface Received<T> {
  /** The provider's idempotency key (ZNS `tracking_id`, eSMS `RequestId`, …). */
  key: string;
  /** The provider's own message id as answered to the sender. */
  providerMessageId: string;
  /** Who "received" it: a phone (as sent), an e-mail, a push endpoint. */
  to: string;
  at: Date;
  /** How many requests carried this key (1 = sent once; >1 = retries the provider deduped). */
  requests: number;
  body: T;
}

export interface Routed {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export abstract class HttpStandIn<T> {
  private server: http.Server | null = null;
  private boundPort = 0;
  private readonly host: string;
  private downMode: DownMode | null = null;
  private delayMs = 0;
  private readonly byKey = new Map<string, Received<T>>();
  /** Every request that reached a route, whether or not it became a message. */
  requestCount = 0;
  abstract readonly kind: string;

  constructor(opts: { port?: number; host?: string } = {}) {
    this.boundPort = opts.port ?? 0;
    this.host = opts.host ?? '127.0.0.1';
  }

  /** `http://host:port` once started. */
  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<this> {
    if (this.server) return this;
    const server = http.createServer((req, res) => void this.handle(req, res));
    // Node's default. Node's own clients (node:http agents, fetch) keep an idle connection only
    // until 1 s before the server's `Keep-Alive: timeout=` hint: with 1 s here every request
    // opened a new connection (a TCP handshake per message). stop() closes idle ones at once.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The provider is unreachable (`refuse`) or failing (`error`: 503) until `up()`. */
  async down(mode: DownMode = 'refuse'): Promise<void> {
    this.downMode = mode;
    if (mode === 'refuse') await this.stop();
  }

  async up(): Promise<void> {
    this.downMode = null;
    await this.start();
  }

  get isDown(): boolean {
    return this.downMode !== null;
  }

  /** Every answer waits this long first (0 = none). */
  slow(ms: number): void {
    this.delayMs = ms;
  }

  /** Distinct messages, in the order first received. */
  messages(): Received<T>[] {
    return [...this.byKey.values()];
  }

  message(key: string): Received<T> | undefined {
    return this.byKey.get(key);
  }

  clear(): void {
    this.byKey.clear();
    this.requestCount = 0;
  }

  /**
   * Records a message under its idempotency key; a repeated key is the same message (its request
   * count goes up) and keeps its first provider id. Returns the record and whether it was new.
   */
  protected record(
    key: string,
    make: () => Omit<Received<T>, 'requests' | 'key' | 'at'>,
  ): { rec: Received<T>; isNew: boolean } {
    const seen = this.byKey.get(key);
    if (seen) {
      seen.requests += 1;
      return { rec: seen, isNew: false };
    }
    const rec: Received<T> = { ...make(), key, at: new Date(), requests: 1 };
    this.byKey.set(key, rec);
    return { rec, isNew: true };
  }

  protected abstract route(
    method: string,
    url: URL,
    body: Buffer,
    headers: IncomingMessage['headers'],
  ): Promise<Routed | null> | Routed | null;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.downMode === 'error') {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('Service Unavailable');
      return;
    }
    let out: Routed | null;
    try {
      const url = new URL(req.url ?? '/', this.url);
      out = await this.route(req.method ?? 'GET', url, Buffer.concat(chunks), req.headers);
    } catch (e) {
      out = { status: 500, text: e instanceof Error ? e.message : String(e) };
    }
    if (!out) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    if (out.json !== undefined) {
      res
        .writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', ...out.headers })
        .end(JSON.stringify(out.json));
    } else {
      res
        .writeHead(out.status, { 'content-type': 'text/plain; charset=utf-8', ...out.headers })
        .end(out.text ?? '');
    }
  }
}

/** Sends a delivery report to the configured server; a failed callback is retried a few times, as providers do. */
export async function callBack(url: string, init: RequestInit, attempts = 3): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status < 500) return res.ok;
    } catch {
      // the server may be restarting: try again shortly
    }
    await new Promise((r) => setTimeout(r, 200 * (i + 1)));
  }
  return false;
}
