#!/usr/bin/env node
/**
 * `rfid-gateway run --config gateway.json` — the gateway process.
 * `rfid-gateway decode --format rdm6300 [--tech em4100|mifare] [--byte-order msb-first|reversed]
 *   [--source serial:PATH?baud=N | tcp://HOST:PORT]` — raw bytes (stdin by default) → JSON lines.
 */
import { parseArgs } from 'node:util';
import { Readable } from 'node:stream';
import pino from 'pino';
import {
  CARD_TECHS,
  TERMINAL_FORMATS,
  type CardTech,
  type DecoderOptions,
  type TerminalFormat,
} from '@rfid/protocol';
import { ConfigError, loadGatewayConfig, parseTerminalSource } from './config.js';
import { decodeStream } from './decode.js';
import { startGateway } from './gateway.js';
import { TerminalLink } from './terminal-link.js';

const HELP = `rfid-gateway — the school's edge process: terminals in, durable queue, MQTT out.

Usage:
  rfid-gateway run --config gateway.json
      Run the gateway (JSON config, see gateway/README.md). SIGINT/SIGTERM stop it gracefully.

  rfid-gateway decode --format <${TERMINAL_FORMATS.join('|')}> [--tech <${CARD_TECHS.join('|')}>]
                      [--byte-order <msb-first|reversed>] [--source <serial:PATH?baud=N|tcp://HOST:PORT>]
      Read raw terminal bytes (stdin unless --source) and print one JSON line per frame:
        {"card":"em4100:40:0415AB36C1","raw":"…"}        a read
        {"card":"…","seq":17,"raw":"…"}                  a smart terminal TAP
        {"heartbeat":"1.2.0","raw":"…"}                  a smart terminal HB
        {"error":"…","code":"checksum","raw":"…"}        a rejected frame
      With --source the command runs until interrupted (Ctrl-C).

  rfid-gateway --help
`;

function fail(message: string): never {
  process.stderr.write(`rfid-gateway: ${message}\n`);
  process.exit(2);
}

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void process.stdout.write(HELP);
  if (!values.config) fail('run needs --config <file>');
  let config;
  try {
    config = loadGatewayConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const logger = pino({ name: 'gateway', level: config.logLevel });
  const gateway = await startGateway(config, { logger, defaultMetrics: true });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function decode(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      format: { type: 'string', short: 'f' },
      tech: { type: 'string' },
      'byte-order': { type: 'string' },
      source: { type: 'string', short: 's' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  const format = values.format as TerminalFormat | undefined;
  if (!format || !TERMINAL_FORMATS.includes(format))
    fail(`--format must be one of ${TERMINAL_FORMATS.join(', ')}`);
  const opts: DecoderOptions = {};
  if (values.tech !== undefined) {
    if (!(CARD_TECHS as readonly string[]).includes(values.tech))
      fail(`--tech must be one of ${CARD_TECHS.join(', ')}`);
    opts.tech = values.tech as CardTech;
  }
  if (values['byte-order'] !== undefined) {
    if (values['byte-order'] !== 'msb-first' && values['byte-order'] !== 'reversed')
      fail('--byte-order must be msb-first or reversed');
    opts.byteOrder = values['byte-order'];
  }
  let input: Readable = process.stdin;
  if (values.source) {
    let source;
    try {
      source = parseTerminalSource(values.source);
    } catch (e) {
      fail((e as Error).message);
    }
    const link = new TerminalLink(source, pino({ level: 'warn' }, pino.destination(2)));
    const stream = new Readable({ read() {} });
    link.on('data', (chunk) => stream.push(chunk));
    process.on('SIGINT', () => {
      void link.stop().then(() => stream.push(null));
    });
    link.start();
    input = stream;
  }
  const summary = await decodeStream(input, process.stdout, format, opts);
  process.stderr.write(
    `decoded ${summary.frames} frame(s), rejected ${summary.rejects}, ${summary.bytes} byte(s)\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return run(rest);
    case 'decode':
      return decode(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return;
    default:
      fail(`unknown command "${command}" (try --help)`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`rfid-gateway: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
