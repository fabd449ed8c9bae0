/** A child process of a drill (restartable, keeping the tail of its output) and the helpers every drill process uses. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `@rfid/server` (its built `dist`) is loaded when first needed, not at import: the drill spec
 * builds server and gateway in its `beforeAll`, before anything here runs.
 */
export const serverLib = () => import('@rfid/server');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SERVER_MAIN = path.join(root, 'server/dist/main.js');
export const GATEWAY_CLI = path.join(root, 'gateway/dist/cli.js');

/** Poll `check` every `everyMs` until it is truthy; reject naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs: number,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for children: ours, without anything that would configure the server or Node's test flags. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const passthrough = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  for (const k of passthrough) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

/** Every child process a drill has running, for `killAllChildren` on an interrupted run. */
const liveChildren = new Set<ChildProcess>();

/** SIGKILL every child still running (Ctrl-C of run-drills: no server or gateway left behind). */
export function killAllChildren(): void {
  for (const c of liveChildren) c.kill('SIGKILL');
}

/** A child process that can be started again after it exits or is killed. */
export class Child {
  private proc: ChildProcess | null = null;
  private out: string[] = [];
  private exit: Promise<void> = Promise.resolve();
  starts = 0;
  kills = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {}

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the process; `onLine` sees every stdout line (e.g. to notice readiness). */
  spawn(onLine?: (line: string) => void): ChildProcess {
    if (this.running) throw new Error(`${this.name} is already running`);
    const proc = spawn(this.command, this.args, {
      env: childEnv(this.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.starts++;
    const keep = (chunk: Buffer) => {
      this.out.push(chunk.toString('utf8'));
      if (this.out.length > 200) this.out.splice(0, this.out.length - 200);
    };
    let partial = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (!onLine) return;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    proc.stderr!.on('data', keep);
    liveChildren.add(proc);
    this.exit = new Promise<void>((resolve) =>
      proc.once('exit', () => {
        liveChildren.delete(proc);
        resolve();
      }),
    );
    return proc;
  }

  exited(): Promise<void> {
    return this.exit;
  }

  /** `kill -9` and wait until it is gone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.proc!.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.proc!.kill('SIGTERM');
    const timer = setTimeout(() => this.proc?.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  tail(chars = 4000): string {
    return this.out.join('').slice(-chars);
  }
}

export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
