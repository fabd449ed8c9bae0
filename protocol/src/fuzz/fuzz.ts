/**
 * Decoder fuzz: millions of random chunks (noise, cut frames, good frames, random chunk sizes)
 * through every format's decoder. Fails (exit 1) if a decoder throws or errors, or if a good frame
 * written after a clean separator is not decoded. Prints JSON lines like the benchmarks.
 *   node protocol/dist/fuzz/fuzz.js [--chunks 1000000] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { cardToText, makeCardId, type CardId } from '../card.js';
import { createFrameDecoder } from '../codecs/decoder.js';
import type { FrameEvent, TerminalFormat } from '../codecs/frame.js';
import { encodeRdm6300 } from '../codecs/rdm6300.js';
import { encodeDecimal10 } from '../codecs/decimal10.js';
import { encodeWiegand } from '../codecs/wiegand.js';
import { encodeSmartTap } from '../codecs/smart.js';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean' },
  },
});
const totalChunks = Number(values.chunks);

// xorshift32: fast, seeded, reproducible; quality is ample for choosing fuzz inputs.
let state = Number(values.seed) >>> 0 || 1;
function rand(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}

const encoders: Record<
  TerminalFormat,
  { frame: (c: CardId) => Buffer; expect: (c: CardId) => string; sep: Buffer }
> = {
  rdm6300: { frame: encodeRdm6300, expect: cardToText, sep: Buffer.alloc(0) }, // a new STX resyncs by itself
  decimal10: {
    frame: (c) => Buffer.from(encodeDecimal10(c)),
    expect: (c) => `em4100:32:${c.hex.slice(2)}`,
    sep: Buffer.from('\r\n'),
  },
  wiegand: {
    frame: (c) => Buffer.from(encodeWiegand(c, 26)),
    expect: (c) => `em4100:24:${c.hex.slice(4)}`,
    sep: Buffer.from('\r\n'),
  },
  smart: {
    frame: (c) => Buffer.from(encodeSmartTap(rand() % 65536, c)),
    expect: cardToText,
    sep: Buffer.from('\r\n'),
  },
};

async function fuzzFormat(
  format: TerminalFormat,
  chunks: number,
): Promise<{ goodSent: number; goodSeen: number; rejects: number; ms: number }> {
  const decoder = createFrameDecoder(format);
  const enc = encoders[format];
  const expected: string[] = [];
  const seen = new Set<string>();
  let failure: unknown = null;
  decoder.on('data', (e: FrameEvent) => {
    if (e.kind === 'read' || e.kind === 'tap') seen.add(cardToText(e.card));
  });
  decoder.on('error', (e) => (failure = e));
  const started = performance.now();
  for (let i = 0; i < chunks; i++) {
    const r = rand() % 10;
    let chunk: Buffer;
    if (r < 6) {
      chunk = Buffer.alloc(1 + (rand() % 24));
      for (let j = 0; j < chunk.length; j++) chunk[j] = rand() & 0xff;
    } else if (r < 8) {
      const frame = enc.frame(
        makeCardId(
          'em4100',
          40,
          (rand() % 0xffffff).toString(16) + (rand() % 0xffff).toString(16).padStart(4, '0'),
        ),
      );
      chunk = frame.subarray(0, rand() % frame.length); // a cut frame
    } else {
      // A clean separator (lines: CR LF ends any partial line) then a good frame.
      const hex = ((rand() % 0xff) + 1).toString(16).padStart(2, '0') + rand().toString(16).padStart(8, '0');
      const card = makeCardId('em4100', 40, hex);
      chunk = Buffer.concat([enc.sep, enc.frame(card)]);
      expected.push(enc.expect(card));
    }
    if (!decoder.write(chunk)) await new Promise((r) => decoder.once('drain', r));
  }
  decoder.end();
  await new Promise((r) => decoder.once('finish', r));
  await new Promise((r) => setImmediate(r));
  if (failure) throw failure;
  const goodSeen = expected.filter((c) => seen.has(c)).length;
  return {
    goodSent: expected.length,
    goodSeen,
    rejects: decoder.stats.rejects,
    ms: performance.now() - started,
  };
}

let ok = true;
for (const format of ['rdm6300', 'decimal10', 'wiegand', 'smart'] as const) {
  const r = await fuzzFormat(format, Math.ceil(totalChunks / 4));
  const line = {
    name: `fuzz_${format}`,
    value: Math.round(Math.ceil(totalChunks / 4) / (r.ms / 1000)),
    unit: 'chunks/s',
    chunks: Math.ceil(totalChunks / 4),
    goodFramesSent: r.goodSent,
    goodFramesDecoded: r.goodSeen,
    rejects: r.rejects,
  };
  console.log(JSON.stringify(line));
  if (r.goodSeen !== r.goodSent) ok = false;
}
if (!ok) {
  console.error('fuzz: some good frames were not decoded');
  process.exit(1);
}
