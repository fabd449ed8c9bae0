import net from 'node:net';

/**
 * A TCP proxy in front of the broker. `cut()` resets every connection and refuses new ones (the
 * school's internet link is down); `stall()` keeps the connections open but holds every byte
 * (a link that stops delivering without closing: packets queued in a modem); `restore()` lets
 * new connections through and delivers what a stall held back, in order.
 */
export class LinkProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private down = false;
  private stalled = false;
  private readonly held: (() => void)[] = [];
  refused = 0;

  constructor(
    readonly port: number,
    private readonly upstream: { host: string; port: number },
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.down) {
        this.refused++;
        client.resetAndDestroy();
        return;
      }
      const up = net.connect(this.upstream);
      this.sockets.add(client);
      this.sockets.add(up);
      const close = () => {
        client.destroy();
        up.destroy();
        this.sockets.delete(client);
        this.sockets.delete(up);
      };
      client.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
      const forward = (from: net.Socket, to: net.Socket) =>
        from.on('data', (chunk: Buffer) => {
          const write = () => {
            if (!to.destroyed) to.write(chunk);
          };
          if (this.stalled) this.held.push(write);
          else write();
        });
      forward(client, up);
      forward(up, client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  cut(): void {
    this.down = true;
    this.held.length = 0;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  stall(): void {
    this.stalled = true;
  }

  restore(): void {
    this.down = false;
    this.stalled = false;
    for (const write of this.held.splice(0)) write();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
