/**
 * Child processes of the demo: started with a name, their output prefixed and passed through,
 * stopped together (SIGTERM, then SIGKILL after a grace period) so Ctrl-C leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export class Supervisor {
  private readonly processes: ManagedProcess[] = [];
  private stopping = false;

  constructor(private readonly log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {}

  get pids(): number[] {
    return this.processes.flatMap((p) => (p.child.pid && p.child.exitCode === null ? [p.child.pid] : []));
  }

  /** Start `node script args` with env; each output line goes to `onLine` (default: prefixed log). */
  start(
    name: string,
    script: string,
    args: string[],
    env: Record<string, string | undefined>,
    onLine?: (line: string, stream: 'stdout' | 'stderr') => void,
  ): ManagedProcess {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (line) =>
        onLine ? onLine(line, stream) : this.log(`[${name}] ${line}`),
      );
    }
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code, signal) => {
        if (!this.stopping) this.log(`[demo] ${name} exited (${signal ?? code})`);
        resolve(code);
      }),
    );
    const managed = { name, child, exited };
    this.processes.push(managed);
    return managed;
  }

  /** Stop in reverse start order (gateways before the server), each SIGTERM then SIGKILL. */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const p of [...this.processes].reverse()) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
      await p.exited;
      clearTimeout(timer);
    }
  }
}
