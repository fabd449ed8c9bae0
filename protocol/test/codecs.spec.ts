import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  cardToText,
  createFrameDecoder,
  decodeDecimal10Line,
  decodeSmartAckLine,
  decodeSmartGatewayLine,
  decodeSmartLine,
  decodeWiegandLine,
  encodeDecimal10,
  encodeRdm6300,
  encodeSmartAck,
  encodeSmartHeartbeat,
  encodeSmartMessage,
  encodeSmartTap,
  encodeWiegand,
  FrameError,
  makeCardId,
  parseCardText,
  toDisplayText,
  type FrameEvent,
  type TerminalFormat,
} from '../src/index.js';
import { loadFrameFixtures } from './fixtures.js';

async function decodeAll(format: TerminalFormat, chunks: Buffer[], opts = {}): Promise<FrameEvent[]> {
  const decoder = createFrameDecoder(format, opts);
  const out: FrameEvent[] = [];
  decoder.on('data', (e: FrameEvent) => out.push(e));
  await new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve).on('error', reject);
    Readable.from(chunks, { objectMode: false }).pipe(decoder);
  });
  return out;
}

function summary(events: FrameEvent[]): string[] {
  return events.flatMap((e) =>
    e.kind === 'read' || e.kind === 'tap' ? [cardToText(e.card)] : e.kind === 'reject' ? [e.code] : [],
  );
}

/** Split a buffer at the given cut points (any order, duplicates allowed). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  if (from < bytes.length) chunks.push(bytes.subarray(from));
  return chunks;
}

const em40 = makeCardId('em4100', 40, '0415AB36C1');

describe('known-answer frames (fixtures/frames)', () => {
  const fixtures = loadFrameFixtures();

  it('has fixtures for every format, good and bad', () => {
    const formats = new Set(fixtures.map((f) => f.format));
    expect([...formats].sort()).toEqual(['decimal10', 'rdm6300', 'smart', 'wiegand']);
    expect(fixtures.filter((f) => f.name.startsWith('bad/')).length).toBeGreaterThanOrEqual(6);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))(
    '%s decodes to the expected reads and rejects',
    async (_n, f) => {
      expect(summary(await decodeAll(f.format, [f.bytes]))).toEqual(f.expected);
    },
  );

  it.each(fixtures.map((f) => [f.name, f] as const))(
    '%s decodes the same one byte at a time',
    async (_n, f) => {
      const bytes = [...f.bytes].map((b) => Buffer.from([b]));
      expect(summary(await decodeAll(f.format, bytes))).toEqual(f.expected);
    },
  );

  it('all fixtures of a format concatenated decode to the concatenation of their results', async () => {
    for (const format of ['rdm6300', 'decimal10', 'wiegand', 'smart'] as const) {
      const of = fixtures.filter((f) => f.format === format);
      const events = await decodeAll(format, [Buffer.concat(of.map((f) => f.bytes))]);
      expect(summary(events)).toEqual(of.flatMap((f) => f.expected));
    }
  });
});

describe('rdm6300', () => {
  it('encodes the contract example with its XOR checksum', () => {
    expect(encodeRdm6300(em40)).toEqual(
      Buffer.concat([Buffer.from([2]), Buffer.from('0415AB36C14D'), Buffer.from([3])]),
    );
  });

  it('a corrupt frame is counted and the next good frame still decodes', async () => {
    const bad = encodeRdm6300(em40);
    bad[5] = 0x39; // flip a digit: checksum no longer matches
    const decoder = createFrameDecoder('rdm6300');
    const events: FrameEvent[] = [];
    decoder.on('data', (e: FrameEvent) => events.push(e));
    decoder.write(bad);
    decoder.write(encodeRdm6300(em40));
    decoder.end();
    await new Promise((r) => decoder.on('end', r));
    expect(summary(events)).toEqual(['checksum', 'em4100:40:0415AB36C1']);
    expect(decoder.stats).toEqual({ bytes: 28, frames: 1, rejects: 1 });
  });

  it('refuses to encode what an RDM6300 cannot read', () => {
    expect(() => encodeRdm6300(makeCardId('mifare', 32, '04A1B2C3'))).toThrow(FrameError);
  });
});

describe('decimal10', () => {
  it('reads the low 32 bits of an EM4100 ID', () => {
    expect(encodeDecimal10(em40)).toBe('0363542209\r\n');
    expect(cardToText(decodeDecimal10Line('0363542209'))).toBe('em4100:32:15AB36C1');
  });

  it('reads Mifare UIDs MSB-first or reversed into transmission order', () => {
    const uid = makeCardId('mifare', 32, '04A1B2C3');
    expect(encodeDecimal10(uid, { tech: 'mifare', byteOrder: 'msb-first' })).toBe(
      `${0x04a1b2c3}`.padStart(10, '0') + '\r\n',
    );
    expect(encodeDecimal10(uid, { tech: 'mifare', byteOrder: 'reversed' })).toBe(
      `${0xc3b2a104}`.padStart(10, '0') + '\r\n',
    );
    for (const byteOrder of ['msb-first', 'reversed'] as const) {
      const line = encodeDecimal10(uid, { tech: 'mifare', byteOrder }).trim();
      expect(decodeDecimal10Line(line, { tech: 'mifare', byteOrder })).toEqual(uid);
    }
  });
});

describe('wiegand', () => {
  it('encodes W26 facility 171 card 14017 with both parity bits', () => {
    expect(encodeWiegand(em40, 26)).toBe('W26:3566D82\r\n');
    expect(cardToText(decodeWiegandLine('W26:3566D82'))).toBe('em4100:24:AB36C1');
  });

  it('rejects every single-bit flip of a W26 and W34 frame', () => {
    for (const bits of [26, 34] as const) {
      const frame = BigInt('0x' + encodeWiegand(em40, bits).trim().slice(4));
      for (let i = 0; i < bits; i++) {
        const flipped = (frame ^ (1n << BigInt(i)))
          .toString(16)
          .toUpperCase()
          .padStart(bits === 26 ? 7 : 9, '0');
        expect(() => decodeWiegandLine(`W${bits}:${flipped}`)).toThrow(FrameError);
      }
    }
  });
});

describe('smart', () => {
  it('round-trips TAP, HB and ACK lines', () => {
    expect(decodeSmartLine(encodeSmartTap(17, em40).trim())).toEqual({ type: 'tap', seq: 17, card: em40 });
    expect(decodeSmartLine(encodeSmartHeartbeat('1.2.0').trim())).toEqual({
      type: 'heartbeat',
      firmware: '1.2.0',
    });
    const ack = { seq: 65535, result: 'OK' as const, text: 'Nguyen Van An 06:52' };
    expect(decodeSmartAckLine(encodeSmartAck(ack).trim())).toEqual(ack);
  });

  it('encodes MSG display lines with the ACK text rules and 1–60 seconds, and tells them from ACKs', () => {
    const line = encodeSmartMessage({ seconds: 15, text: 'Họp phụ huynh, 17:00 thứ Sáu tại hội trường' });
    expect(line).toBe('MSG,15,Hop phu huynh  17:00 thu Sau tai\r\n');
    expect(decodeSmartGatewayLine(line.trim())).toEqual({
      type: 'msg',
      seconds: 15,
      text: 'Hop phu huynh  17:00 thu Sau tai',
    });
    expect(decodeSmartGatewayLine('ACK,3,OK,An')).toEqual({ type: 'ack', seq: 3, result: 'OK', text: 'An' });
    for (const seconds of [0, 61, 1.5])
      expect(() => encodeSmartMessage({ seconds, text: 'x' })).toThrow(FrameError);
    expect(() => decodeSmartGatewayLine('MSG,0,x')).toThrow(FrameError);
    expect(() => decodeSmartGatewayLine(`MSG,5,${'x'.repeat(33)}`)).toThrow(FrameError);
    expect(() => decodeSmartGatewayLine('MSG,5')).toThrow(FrameError);
  });

  it('turns Vietnamese names into what an ASCII display shows, at most 32 characters', () => {
    expect(toDisplayText('Nguyễn Văn An 06:52')).toBe('Nguyen Van An 06:52');
    expect(toDisplayText('Đặng Thị Ánh Tuyết, lớp 6A')).toBe('Dang Thi Anh Tuyet  lop 6A');
    expect(toDisplayText('Y Liên'.normalize('NFD'))).toBe('Y Lien');
    expect(toDisplayText('x'.repeat(40))).toHaveLength(32);
  });

  it('refuses seq outside 0–65535 and odd UID lengths', () => {
    expect(() => decodeSmartLine('TAP,65536,em4100,0415AB36C1')).toThrow(FrameError);
    expect(() => decodeSmartLine('TAP,1,mifare,04A1B2')).toThrow(FrameError);
    expect(() => decodeSmartLine('TAP,1,em4100,0415AB36')).toThrow(FrameError);
  });
});

describe('line decoders keep memory bounded', () => {
  it('cuts an endless line without LF into rejected pieces and still reads the next line', async () => {
    const noise = Buffer.alloc(10_000, 0x41);
    const events = await decodeAll('decimal10', [noise, Buffer.from('\r\n0363542209\r\n')]);
    const s = summary(events);
    expect(s.at(-1)).toBe('em4100:32:15AB36C1');
    const rejects = s.slice(0, -1);
    expect(rejects.length).toBeGreaterThanOrEqual(Math.floor(10_000 / 256));
    expect(rejects.every((c) => c === 'too_long' || c === 'syntax')).toBe(true);
    expect(rejects.filter((c) => c === 'too_long').length).toBeGreaterThan(30);
  });
});

// Property tests: chunk boundaries never change what is decoded; arbitrary bytes never throw.
const arbEm40 = fc
  .bigInt({ min: 0n, max: (1n << 40n) - 1n })
  .map((v) => makeCardId('em4100', 40, v.toString(16)));
const arbMifare = fc
  .constantFrom(32, 56, 80)
  .chain((bits) =>
    fc
      .bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })
      .map((v) => makeCardId('mifare', bits, v.toString(16))),
  );

describe('properties', () => {
  const encoders: Record<
    TerminalFormat,
    (cards: ReturnType<typeof makeCardId>[]) => { bytes: Buffer; expected: string[] }
  > = {
    rdm6300: (cards) => ({
      bytes: Buffer.concat(cards.map(encodeRdm6300)),
      expected: cards.map(cardToText),
    }),
    decimal10: (cards) => ({
      bytes: Buffer.from(cards.map((c) => encodeDecimal10(c)).join('')),
      expected: cards.map((c) => `em4100:32:${c.hex.slice(2)}`),
    }),
    wiegand: (cards) => ({
      bytes: Buffer.from(cards.map((c, i) => encodeWiegand(c, i % 2 ? 26 : 34)).join('')),
      expected: cards.map((c, i) => (i % 2 ? `em4100:24:${c.hex.slice(4)}` : `em4100:32:${c.hex.slice(2)}`)),
    }),
    smart: (cards) => ({
      bytes: Buffer.from(cards.map((c, i) => encodeSmartTap(i, c)).join('')),
      expected: cards.map(cardToText),
    }),
  };

  it.each(Object.keys(encoders) as TerminalFormat[])(
    '%s: encode → decode round-trips in any chunking',
    async (format) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(arbEm40, { minLength: 1, maxLength: 8 }),
          fc.array(fc.nat()),
          async (cards, cuts) => {
            const { bytes, expected } = encoders[format](cards);
            expect(summary(await decodeAll(format, chunked(bytes, cuts)))).toEqual(expected);
          },
        ),
        { numRuns: 150 },
      );
    },
  );

  it('smart TAP round-trips Mifare UIDs of 4, 7 and 10 bytes', () => {
    fc.assert(
      fc.property(arbMifare, fc.integer({ min: 0, max: 65535 }), (card, seq) => {
        expect(decodeSmartLine(encodeSmartTap(seq, card).trim())).toEqual({ type: 'tap', seq, card });
        expect(parseCardText(cardToText(card))).toEqual(card);
      }),
    );
  });

  it.each(['rdm6300', 'decimal10', 'wiegand', 'smart'] as const)(
    '%s: arbitrary bytes never throw and good frames after them still decode',
    async (format) => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat()), async (junk, cuts) => {
          const { bytes, expected } = encoders[format]([em40]);
          // A line end (and for rdm6300 any STX stub) closes the junk so the good frame is whole.
          const sep = format === 'rdm6300' ? Buffer.from([0x02, 0x02, 0x02]) : Buffer.from('\r\n');
          const all = Buffer.concat([
            Buffer.from(junk),
            sep,
            Buffer.alloc(14, 0x20),
            sep.subarray(0, 0),
            Buffer.from('\r\n'),
            bytes,
          ]);
          const events = await decodeAll(format, chunked(all, cuts));
          expect(summary(events).slice(-expected.length)).toEqual(expected);
        }),
        { numRuns: 150 },
      );
    },
  );
});
