import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The raw-frame fixtures of `fixtures/frames/{ok,bad}` with what each must decode to. */
export interface FrameFixture {
  name: string;
  format: 'rdm6300' | 'decimal10' | 'wiegand' | 'smart';
  bytes: Buffer;
  /** In order: a card text for each read/tap, or the reject code. Heartbeats are left out. */
  expected: string[];
}

export const FIXTURES_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'frames');

export function loadFrameFixtures(): FrameFixture[] {
  const expected = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'expected.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  return ['ok', 'bad'].flatMap((dir) =>
    readdirSync(path.join(FIXTURES_DIR, dir))
      .filter((f) => f.endsWith('.hex'))
      .map((f) => {
        const name = `${dir}/${f.replace(/\.hex$/, '')}`;
        return {
          name,
          format: f.split('-')[0] as FrameFixture['format'],
          bytes: Buffer.from(readFileSync(path.join(FIXTURES_DIR, dir, f), 'utf8').trim(), 'hex'),
          expected: expected[name] ?? [],
        };
      }),
  );
}
