/**
 * Seeded randomness for plans and faults. Built on pure-rand's xoroshiro128+ (a published,
 * fixed algorithm), so the same seed gives the same sequence on every machine and Node version.
 * Everything derived from it is rounded to whole milliseconds / integers before it leaves a plan,
 * so the few transcendental functions used (log, cos) cannot leak platform differences.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

type Generator = ReturnType<typeof xoroshiro128plus>;

export class SeededRandom {
  private readonly gen: Generator;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.gen, from, to);
  }

  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  /** Standard normal, Box–Muller. */
  normal(): number {
    const u = 1 - this.float(); // (0, 1]: log is finite
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Skew-normal with shape `alpha` (Azzalini): negative alpha gives a long left tail (early
   * arrivals trickling in) and a steep right flank (the bell).
   */
  skewNormal(location: number, scale: number, alpha: number): number {
    const delta = alpha / Math.sqrt(1 + alpha * alpha);
    const u0 = this.normal();
    const v = this.normal();
    const z = delta * Math.abs(u0) + Math.sqrt(1 - delta * delta) * v;
    return location + scale * z;
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Exponential with `mean`, cut at `max` (inverse CDF of the truncated law: one draw, no retries). */
  truncatedExponential(mean: number, max: number): number {
    const tail = 1 - Math.exp(-max / mean);
    return -mean * Math.log(1 - this.float() * tail);
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }
}

/**
 * A child seed for part `index` of a larger seeded thing (school i of a district rush, terminal i's
 * fault stream), via the splitmix32 finaliser so neighbouring indices give unrelated streams.
 */
export function deriveSeed(seed: number, index: number | string): number {
  let h = (seed ^ 0x9e3779b9) | 0;
  const text = String(index);
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
