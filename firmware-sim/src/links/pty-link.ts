/**
 * A pty pair made by socat: the terminal writes to one end with `serialport`, the gateway opens
 * the other (`serial:/dev/pts/N?baud=9600`), as it would a USB-serial adapter.
 *
 * While nobody has the gateway's end open, what the terminal writes is lost (socat cannot deliver
 * it and goes on; writes never stall), as on a real line with no listener; once the gateway opens
 * its end it gets what is written from then on. Closing kills socat, which takes both ends away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { SimError } from '../errors.js';
import { SerialLink } from './serial-link.js';

const PTY_LINE = /PTY is (\S+)/;
const READY_LINE = /starting data transfer loop/;
const SOCAT_START_TIMEOUT_MS = 5000;

export async function openPtyLink(opts: {
  baudRate?: number;
  log: Logger;
  socatPath?: string;
}): Promise<SerialLink> {
  const log = opts.log.child({ link: 'pty' });
  const socat = spawn(opts.socatPath ?? 'socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let ends: [string, string];
  try {
    ends = await readPtyNames(socat);
  } catch (e) {
    socat.kill('SIGKILL');
    throw e;
  }
  const stopSocat = async (): Promise<void> => {
    if (socat.exitCode !== null || socat.signalCode !== null) return;
    const exited = once(socat, 'exit');
    socat.kill('SIGTERM');
    await exited;
  };
  try {
    return await SerialLink.open({
      path: ends[0],
      gatewayPath: ends[1],
      baudRate: opts.baudRate,
      type: 'pty',
      log,
      onClose: stopSocat,
    });
  } catch (e) {
    await stopSocat();
    throw e;
  }
}

function readPtyNames(socat: ChildProcess): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    let stderr = '';
    const timer = setTimeout(
      () =>
        finish(
          new SimError(
            'link_failed',
            `socat gave no pty pair within ${SOCAT_START_TIMEOUT_MS} ms: ${stderr}`,
          ),
        ),
      SOCAT_START_TIMEOUT_MS,
    );
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socat.stderr?.off('data', onData);
      socat.off('error', onError);
      socat.off('exit', onExit);
      // Keep draining socat's stderr so it never blocks on a full pipe.
      socat.stderr?.resume();
      if (err) reject(err);
      else resolve([names[0]!, names[1]!]);
    };
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString('utf8');
      for (const line of stderr.split('\n')) {
        const m = PTY_LINE.exec(line);
        if (m && !names.includes(m[1]!)) names.push(m[1]!);
      }
      if (names.length >= 2 && READY_LINE.test(stderr)) finish();
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(
        err.code === 'ENOENT'
          ? new SimError(
              'socat_missing',
              'socat is not installed (apt-get install socat); pty links need it',
              { cause: err },
            )
          : new SimError('link_failed', `cannot start socat: ${err.message}`, { cause: err }),
      );
    const onExit = (code: number | null): void =>
      finish(new SimError('link_failed', `socat exited (${code}) before opening a pty pair: ${stderr}`));
    socat.stderr?.on('data', onData);
    socat.on('error', onError);
    socat.on('exit', onExit);
  });
}
