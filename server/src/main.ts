/** CLI: configuration from the environment; SIGINT/SIGTERM close gracefully. */
import { configFromEnv, ConfigError } from './config/config.js';
import { createServer } from './server.js';
import { takeShutdownSignals } from './db/embedded-postgres.js';

async function main(): Promise<void> {
  let config;
  try {
    config = configFromEnv();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const server = await createServer(config);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        server.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  takeShutdownSignals();
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  // Ready only once a signal stops it in order.
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', httpUrl: server.httpUrl, mqttUrl: server.mqttUrl })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`server failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
