#!/usr/bin/env node
/**
 * `node provider-sim/dist/cli.js [--host H] [--callback-base http://127.0.0.1:3000] [--esms-port N]
 * [--zalo-port N] [--smtp-port N] [--push-port N] [--inbox-port N] [--no-zalo 84…,84…]`: starts every
 * stand-in and prints one JSON line `{"ready": true, "inbox": url, "env": {…§6 variables…}}` on
 * stdout (what the demo reads), then runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startProviderSims } from './provider-sims.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    'callback-base': { type: 'string' },
    'esms-port': { type: 'string' },
    'zalo-port': { type: 'string' },
    'smtp-port': { type: 'string' },
    'push-port': { type: 'string' },
    'inbox-port': { type: 'string' },
    'no-zalo': { type: 'string' },
  },
});

const port = (v: string | undefined): number => {
  const n = Number(v ?? 0);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`provider-sim: not a port: ${String(v)}\n`);
    process.exit(2);
  }
  return n;
};

const sims = await startProviderSims({
  ...(values.host ? { host: values.host } : {}),
  ...(values['callback-base'] ? { callbackBase: values['callback-base'] } : {}),
  ports: {
    esms: port(values['esms-port']),
    zalo: port(values['zalo-port']),
    smtp: port(values['smtp-port']),
    push: port(values['push-port']),
    inbox: port(values['inbox-port']),
  },
  noZaloPhones: values['no-zalo'] ? values['no-zalo'].split(',').map((p) => p.trim()) : [],
}).catch((e: unknown) => {
  process.stderr.write(`provider-sim: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

// Handlers first, ready line second: whoever reads the line may signal at once.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    // A stand-in that cannot close in 5 s (a client holding a socket) still exits cleanly.
    setTimeout(() => process.exit(0), 5_000).unref();
    void sims.stop().finally(() => process.exit(0));
  });
}

process.stdout.write(
  `${JSON.stringify({ ready: true, inbox: sims.inbox.url, esms: sims.esms.url, zalo: sims.zalo.url, smtp: sims.smtp.url, push: sims.push.url, env: sims.env })}\n`,
);
