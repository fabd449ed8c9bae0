/** Test fixtures with real I/O: an aedes broker, a server stand-in, terminals over TCP and pty. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Aedes, type AuthorizeSubscribeHandler } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import {
  TapsMessageSchema,
  allGatewaysTopic,
  decodeSmartGatewayLine,
  encodeSmartTap,
  parsePayload,
  parseTopic,
  topicFor,
  type CardId,
  type RosterMessage,
  type SmartAck,
  type SmartDisplayMessage,
  type Tap,
} from '@rfid/protocol';

/** Poll until `cond` holds (no sleeps); fail with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tempDir(prefix = 'gw-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** aedes 1.x on a TCP port; `stop()` and `start()` again on the same port simulate an outage. */
export class TestBroker {
  private broker: Aedes | undefined;
  private server: net.Server | undefined;
  port = 0;
  /** Logins seen: username and password of every CONNECT, accepted or not. */
  readonly logins: { username: string | undefined; password: string | undefined; ok: boolean; at: number }[] =
    [];

  /** `accept(username, password)`: a broker with logins (absent: anyone may connect). */
  constructor(
    private readonly accept?: (username: string | undefined, password: string | undefined) => boolean,
    private readonly rules: { authorizeSubscribe?: (topic: string) => boolean } = {},
  ) {}

  async start(): Promise<this> {
    const accept = this.accept;
    this.broker = await Aedes.createBroker(
      accept
        ? {
            authenticate: (_client, username, password, done) => {
              const ok = accept(username, password?.toString());
              this.logins.push({ username, password: password?.toString(), ok, at: Date.now() });
              if (ok) done(null, true);
              else done(Object.assign(new Error('bad login'), { returnCode: 4 }) as never, false);
            },
            ...(this.rules.authorizeSubscribe
              ? {
                  authorizeSubscribe: ((_client, sub, done) =>
                    this.rules.authorizeSubscribe!(sub.topic)
                      ? done(null, sub)
                      : done(new Error('topic not allowed'), null)) as AuthorizeSubscribeHandler,
                }
              : {}),
          }
        : {},
    );
    const broker = this.broker;
    this.server = net.createServer((socket) => broker.handle(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const { broker, server } = this;
    this.broker = undefined;
    this.server = undefined;
    if (server) {
      server.close();
      // Drop live connections too: a broker going down takes its clients with it.
      await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.once('close', () => resolve());
      });
    }
  }
}

/**
 * The server's side of CONTRACT §3: records every tap by id and acks them (unless `acking` is
 * off, to test resends). Connects with a clean session so it only sees what it is up for.
 */
export class ServerStandIn {
  readonly taps: Tap[] = [];
  readonly byId = new Map<string, Tap>();
  readonly messages: { gateway: string; taps: Tap[] }[] = [];
  readonly statuses: unknown[] = [];
  acking = true;
  private client: MqttClient | undefined;

  /** `only` limits it to one gateway's topics (needed on a shared external broker). */
  constructor(
    private readonly url: string,
    private readonly only?: { schoolId: string; gatewayId: string },
  ) {}

  async start(): Promise<this> {
    const client = await mqtt.connectAsync(this.url, {
      clientId: `standin-${process.pid}-${Math.random()}`,
      clean: true,
      reconnectPeriod: 200,
    });
    this.client = client;
    client.on('message', (topic, payload) => {
      const addr = parseTopic(topic);
      if (!addr) return;
      if (addr.kind === 'status') {
        if (payload.length) this.statuses.push(JSON.parse(payload.toString()));
        return;
      }
      const r = parsePayload(TapsMessageSchema, payload);
      if (!r.ok) throw new Error(`bad taps message: ${r.error}`);
      this.messages.push({ gateway: addr.gatewayId, taps: r.value.taps });
      for (const t of r.value.taps) {
        this.taps.push(t);
        if (!this.byId.has(t.id)) this.byId.set(t.id, t);
      }
      if (this.acking) {
        const ids = r.value.taps.map((t) => t.id).reverse(); // the server may ack in any order
        client.publish(topicFor(addr.schoolId, addr.gatewayId, 'acks'), JSON.stringify({ ids }), { qos: 1 });
      }
    });
    const topics = this.only
      ? [
          topicFor(this.only.schoolId, this.only.gatewayId, 'taps'),
          topicFor(this.only.schoolId, this.only.gatewayId, 'status'),
        ]
      : [allGatewaysTopic('taps'), allGatewaysTopic('status')];
    await client.subscribeAsync(topics, { qos: 1 });
    return this;
  }

  async publishRoster(schoolId: string, gatewayId: string, roster: RosterMessage): Promise<void> {
    await this.client!.publishAsync(topicFor(schoolId, gatewayId, 'roster'), JSON.stringify(roster), {
      qos: 1,
      retain: true,
    });
  }

  async publishCommand(schoolId: string, gatewayId: string, cmd: object): Promise<void> {
    await this.client!.publishAsync(topicFor(schoolId, gatewayId, 'cmd'), JSON.stringify(cmd), { qos: 1 });
  }

  /** Clear retained messages a test left on an external broker. */
  async clearRetained(schoolId: string, gatewayId: string): Promise<void> {
    for (const kind of ['roster', 'status'] as const) {
      await this.client!.publishAsync(topicFor(schoolId, gatewayId, kind), '', { qos: 1, retain: true });
    }
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }
}

/**
 * A smart terminal behind a serial-device server: a TCP server the gateway connects to. Sends
 * `TAP` lines and, like the firmware, resends a TAP with the same seq every `retryMs` until its
 * ACK comes (here without a try limit, so every tap must eventually be acknowledged).
 */
export class SmartTerminalSim {
  readonly acks = new Map<number, SmartAck>();
  readonly ackTimes = new Map<number, number>();
  /** `MSG` lines the gateway sent (a `display` command). */
  readonly messages: SmartDisplayMessage[] = [];
  private readonly sentAt = new Map<number, number>();
  private readonly pending = new Map<number, string>();
  private server: net.Server | undefined;
  private socket: net.Socket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private buffer = '';
  private nextSeq = 0;
  port = 0;
  connections = 0;

  constructor(private readonly retryMs = 1000) {}

  async start(): Promise<this> {
    this.server = net.createServer((socket) => {
      this.socket?.destroy();
      this.socket = socket;
      this.connections++;
      socket.setNoDelay(true);
      socket.on('data', (d) => this.onData(d.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    this.retryTimer = setInterval(() => {
      for (const line of this.pending.values()) this.socket?.write(line);
    }, this.retryMs);
    return this;
  }

  get source(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Present a card; returns the seq used. */
  tap(card: CardId): number {
    const seq = this.nextSeq++ % 65536;
    const line = encodeSmartTap(seq, card);
    this.pending.set(seq, line);
    this.sentAt.set(seq, performance.now());
    this.socket?.write(line);
    return seq;
  }

  heartbeat(firmware = '1.0.0'): void {
    this.socket?.write(`HB,${firmware}\r\n`);
  }

  get unacked(): number {
    return this.pending.size;
  }

  /** ms from first sending the TAP to its ACK. */
  latency(seq: number): number | undefined {
    const a = this.ackTimes.get(seq);
    const s = this.sentAt.get(seq);
    return a !== undefined && s !== undefined ? a - s : undefined;
  }

  /** Drop the connection, as when the device server reboots. */
  dropConnection(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private onData(text: string): void {
    this.buffer += text;
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i).replace(/\r$/, '');
      this.buffer = this.buffer.slice(i + 1);
      const decoded = decodeSmartGatewayLine(line);
      if (decoded.type === 'msg') {
        this.messages.push({ seconds: decoded.seconds, text: decoded.text });
        continue;
      }
      const ack: SmartAck = { seq: decoded.seq, result: decoded.result, text: decoded.text };
      if (!this.acks.has(ack.seq)) this.ackTimes.set(ack.seq, performance.now());
      this.acks.set(ack.seq, ack);
      this.pending.delete(ack.seq);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.retryTimer);
    this.socket?.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A pty pair through socat: the gateway opens `gatewaySide`, the test writes to `terminalSide`. */
export class PtyPair {
  private proc: ChildProcess | undefined;
  readonly terminalSide: string;
  readonly gatewaySide: string;

  constructor(dir: string) {
    this.terminalSide = path.join(dir, 'pty-terminal');
    this.gatewaySide = path.join(dir, 'pty-gateway');
  }

  static available(): boolean {
    return ['/usr/bin/socat', '/usr/local/bin/socat', '/bin/socat'].some((p) => existsSync(p));
  }

  async start(): Promise<this> {
    this.proc = spawn(
      'socat',
      [`pty,raw,echo=0,link=${this.terminalSide}`, `pty,raw,echo=0,link=${this.gatewaySide}`],
      { stdio: 'ignore' },
    );
    await waitFor(
      () => existsSync(this.terminalSide) && existsSync(this.gatewaySide),
      'socat pty pair',
      5_000,
    );
    return this;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }
}
