#!/usr/bin/env node
/**
 * `rfid-gateway run --config gateway.json` — the gateway process.
 * `rfid-gateway detect --source … [--printed N]` — which format a new reader speaks, and its config entry.
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
import { createGatewayLogger } from './logger.js';
import { detectFormat, terminalConfigEntry } from './detect.js';
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
      With --source the command runs until interrupted (Ctrl-C); a source that cannot be
      opened is reported at once (exit 3).

  rfid-gateway detect --source <serial:PATH?baud=N|tcp://HOST:PORT> [--printed <number on the card>]
                      [--id <terminal id>] [--timeout <seconds, default 30>]
      Listen to a new reader, present a card, and it says which format the reader speaks (for a
      decimal wedge reader: which technology and byte order give the number printed on the card),
      the card it read, and the terminal's entry for gateway.json, ready to paste. Exit 4 when
      nothing readable arrives before the timeout, 3 when the source cannot be opened.

  rfid-gateway --help
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`rfid-gateway: ${message}\n`);
  process.exit(code);
}

/** Exit codes beside 2 (bad usage): the source cannot be opened; nothing arrived in time. */
const EXIT_SOURCE = 3;
const EXIT_TIMEOUT = 4;

/** Open a terminal source once for a tool; a failed open ends the command with the reason. */
function openToolSource(text: string): TerminalLink {
  let source;
  try {
    source = parseTerminalSource(text);
  } catch (e) {
    fail((e as Error).message);
  }
  const link = new TerminalLink(source, pino({ level: 'silent' }));
  link.on('open-failed', (reason) => {
    void link.stop();
    fail(`cannot open ${text}: ${reason}`, EXIT_SOURCE);
  });
  link.start();
  return link;
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
  const logger = createGatewayLogger(config.logLevel);
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
    const link = openToolSource(values.source);
    link.on('close', (reason) =>
      process.stderr.write(`rfid-gateway: ${values.source} closed (${reason}); reopening\n`),
    );
    const stream = new Readable({ read() {} });
    link.on('data', (chunk) => stream.push(chunk));
    process.on('SIGINT', () => {
      void link.stop().then(() => stream.push(null));
    });
    input = stream;
  }
  const summary = await decodeStream(input, process.stdout, format, opts);
  process.stderr.write(
    `decoded ${summary.frames} frame(s), rejected ${summary.rejects}, ${summary.bytes} byte(s)\n`,
  );
}

async function detect(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      source: { type: 'string', short: 's' },
      printed: { type: 'string', short: 'p' },
      id: { type: 'string' },
      timeout: { type: 'string', short: 't' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  if (!values.source) fail('detect needs --source <serial:PATH?baud=N|tcp://HOST:PORT>');
  const timeoutS = Number(values.timeout ?? '30');
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) fail('--timeout must be a positive number of seconds');
  const source = values.source;
  const link = openToolSource(source);
  link.on('open', () => process.stderr.write(`listening on ${source}: present a card to the reader …\n`));
  const chunks: Buffer[] = [];
  const bytes = () => Buffer.concat(chunks);
  // Read until a decoder reads a card, then a moment more (a frame split over chunks, a repeat).
  const detection = await new Promise<Awaited<ReturnType<typeof detectFormat>> | undefined>((resolve) => {
    let settle: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => resolve(undefined), timeoutS * 1000);
    link.on('data', (chunk) => {
      chunks.push(chunk);
      if (settle) return;
      void detectFormat(bytes(), values.printed).then((d) => {
        if (!d.best || settle) return;
        settle = setTimeout(() => {
          clearTimeout(deadline);
          void detectFormat(bytes(), values.printed).then(resolve);
        }, 300);
      });
    });
  });
  await link.stop();
  if (!detection?.best) {
    const got = bytes();
    fail(
      got.length === 0
        ? `nothing arrived from ${source} in ${timeoutS} s: check the cable, the baud rate and the reader's power, and present a card`
        : `${got.length} byte(s) arrived from ${source} but no decoder reads them (${JSON.stringify(got.subarray(0, 40).toString('latin1'))}): check the baud rate`,
      EXIT_TIMEOUT,
    );
  }
  const { best, notes } = detection;
  const how =
    best.format === 'decimal10'
      ? ` (tech ${best.options.tech}${best.options.tech === 'mifare' ? `, byte order ${best.options.byteOrder}` : ''})`
      : '';
  process.stdout.write(`format: ${best.format}${how}\n`);
  process.stdout.write(`card:   ${[...new Set(best.cards)].join(', ')}\n`);
  for (const n of notes) process.stdout.write(`note:   ${n}\n`);
  const entry = terminalConfigEntry(values.id ?? 'gate-1', source, best);
  process.stdout.write(`config entry for "terminals" in gateway.json:\n${JSON.stringify(entry)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return run(rest);
    case 'decode':
      return decode(rest);
    case 'detect':
      return detect(rest);
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
