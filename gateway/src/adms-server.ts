/**
 * The HTTP side of ADMS: one listener per configured `adms://HOST:PORT` (terminals may share one),
 * routing `/iclock/…` requests to `AdmsService`. This file is the only one that owns those sockets.
 * Answers are plain text as a ZKTeco terminal expects; a request the gateway cannot take gets a
 * clear 4xx, a store failure a 503 (the terminal keeps its lines and pushes them again).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AdmsListenAddress } from './adms-config.js';
import type { AdmsReply, AdmsService } from './adms-service.js';

/** A terminal pushes at most a few thousand punches at once (~40 bytes each). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export class AdmsHttpServer {
  private readonly servers: http.Server[] = [];
  /** Ports actually listened on, in the order of `addresses` (a configured port 0 gets a free one). */
  readonly ports: number[] = [];

  constructor(
    private readonly service: AdmsService,
    private readonly log: Logger,
  ) {}

  async listen(addresses: readonly AdmsListenAddress[]): Promise<void> {
    for (const a of addresses) {
      const server = http.createServer((req, res) => this.handle(req, res));
      server.keepAliveTimeout = 65_000; // terminals keep their connection between polls
      server.headersTimeout = 66_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(a.port, a.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const port = (server.address() as AddressInfo).port;
      this.servers.push(server);
      this.ports.push(port);
      this.log.info(
        { host: a.host, port },
        "ADMS listener up (set this address as the terminal's cloud server)",
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    this.servers.length = 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const reply = (r: AdmsReply) => {
      if (res.writableEnded) return;
      res.writeHead(r.status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(r.body),
      });
      res.end(r.body);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://terminal');
    } catch {
      return reply({ status: 400, body: 'bad request' });
    }
    const sn = url.searchParams.get('SN');
    const route = url.pathname.replace(/\.aspx$/, '').replace(/\/+$/, '');
    const method = req.method ?? 'GET';

    if (method === 'GET') {
      req.resume();
      switch (route) {
        case '/iclock/cdata':
          return reply(this.service.handshake(sn));
        case '/iclock/getrequest':
          return reply(this.service.getrequest(sn));
        case '/iclock/ping':
          return reply(this.service.ping(sn));
        default:
          return reply({ status: 404, body: 'not found' });
      }
    }
    if (method !== 'POST') {
      req.resume();
      return reply({ status: 405, body: 'method not allowed' });
    }
    if (route !== '/iclock/cdata' && route !== '/iclock/devicecmd') {
      req.resume();
      return reply({ status: 404, body: 'not found' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reply({ status: 413, body: 'body too large' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => this.log.debug({ err: err.message, sn }, 'ADMS request aborted'));
    req.on('end', () => {
      if (res.writableEnded) return;
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        reply(
          route === '/iclock/cdata'
            ? this.service.push(sn, url.searchParams.get('table'), body)
            : this.service.devicecmd(sn, body),
        );
      } catch (err) {
        this.log.error({ err, sn, route }, 'ADMS request failed');
        reply({ status: 503, body: 'try again' });
      }
    });
  }
}
