/**
 * A terminal behind an RS-232-to-Ethernet device server: it LISTENS and the gateway connects to
 * `tcp://host:port`. Like those boxes, it serves one connection: a new one replaces the old (a
 * gateway that restarted, whose old socket may be half-open), and bytes sent while nobody is
 * connected are dropped, not kept.
 */
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import type { Logger } from 'pino';
import { SimError } from '../errors.js';
import type { TerminalLink } from './link.js';

export class TcpLink extends EventEmitter implements TerminalLink {
  readonly type = 'tcp' as const;
  private socket: net.Socket | undefined;
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    readonly gatewaySource: string,
    private readonly log: Logger,
  ) {
    super();
    server.on('connection', (socket) => this.onConnection(socket));
    server.on('error', (err) => this.log.error({ err }, 'tcp server error'));
  }

  static async listen(host: string, port: number, log: Logger): Promise<TcpLink> {
    const server = net.createServer();
    server.listen({ host, port });
    try {
      await once(server, 'listening');
    } catch (cause) {
      throw new SimError('link_failed', `cannot listen on ${host}:${port}`, { cause });
    }
    const address = server.address() as net.AddressInfo;
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const hostPart = reachable.includes(':') ? `[${reachable}]` : reachable;
    return new TcpLink(
      server,
      `tcp://${hostPart}:${address.port}`,
      log.child({ link: 'tcp', port: address.port }),
    );
  }

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.socket) {
      this.log.info({ remote: socket.remoteAddress }, 'new gateway connection replaces the old one');
      this.socket.destroy();
    }
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    socket.on('error', (err) => this.log.debug({ err }, 'gateway socket error'));
    socket.on('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.emit('disconnect');
      }
    });
    this.log.debug({ remote: socket.remoteAddress }, 'gateway connected');
    this.emit('connect');
  }

  write(bytes: Buffer): Promise<boolean> {
    const socket = this.socket;
    if (!socket || socket.destroyed || !socket.writable) return Promise.resolve(false);
    return new Promise((resolve) => socket.write(bytes, (err) => resolve(!err)));
  }

  async waitForGateway(timeoutMs: number): Promise<boolean> {
    if (this.connected) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.off('connect', onConnect);
        resolve(false);
      }, timeoutMs);
      const onConnect = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.once('connect', onConnect);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
