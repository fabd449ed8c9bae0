/**
 * Rules of the ADMS side with no I/O: which USERINFO commands bring a terminal's user list in step
 * with the roster, and how a terminal's clock offset is measured from its pushes.
 */
import type { CommandKind, DeviceUser, UserCommand } from './adms-store.js';

export interface WantedUser {
  pin: number;
  name: string;
  card: string;
}

export interface SyncPlan {
  queue: { pin: number; kind: CommandKind; name: string; card: string }[];
  /** Open commands replaced by a newer one. */
  supersede: number[];
}

/**
 * Commands that take the terminal from what it holds (users the gateway put there, confirmed by
 * their results) to what the roster wants. Users made at the device itself (staff, origin
 * `device`) are not the gateway's to delete. At most one open command per PIN: a queued or sent
 * command that no longer says what is wanted is superseded by one that does.
 */
export function planUserSync(
  wanted: ReadonlyMap<number, WantedUser>,
  device: readonly DeviceUser[],
  open: readonly UserCommand[],
): SyncPlan {
  const plan: SyncPlan = { queue: [], supersede: [] };
  const held = new Map(device.filter((u) => u.origin === 'gateway').map((u) => [u.pin, u]));
  const openByPin = new Map<number, UserCommand>();
  for (const c of open) {
    const earlier = openByPin.get(c.pin);
    if (earlier) plan.supersede.push(earlier.id); // never more than one (repairs an old store)
    openByPin.set(c.pin, c);
  }
  const pins = new Set([...wanted.keys(), ...held.keys(), ...openByPin.keys()]);
  for (const pin of [...pins].sort((a, b) => a - b)) {
    const want = wanted.get(pin);
    const cmd = openByPin.get(pin);
    const onDevice = held.get(pin);
    let next: SyncPlan['queue'][number] | undefined;
    if (want) {
      const same = (x: { name: string; card: string }) => x.name === want.name && x.card === want.card;
      if (cmd ? !(cmd.kind === 'update' && same(cmd)) : !(onDevice && same(onDevice)))
        next = { pin, kind: 'update', name: want.name, card: want.card };
    } else if (cmd ? cmd.kind !== 'delete' : onDevice !== undefined) {
      // A sent UPDATE without a result may have been applied: delete to be sure.
      next = { pin, kind: 'delete', name: '', card: '' };
    }
    if (!next) continue;
    if (cmd) plan.supersede.push(cmd.id);
    plan.queue.push(next);
  }
  return plan;
}

/**
 * A terminal's clock offset (terminal clock − gateway clock), measured from its pushes. Each push
 * gives one sample: its newest punch's time minus the time the push arrived. A push comes at or
 * after the punch, so a sample is the offset minus a delay ≥ 0: the largest recent sample is the
 * best estimate. A sample above zero can only come from a fast clock and is trusted at once; a
 * slow clock looks like a delayed push (a backlog after a reconnect is hours "late"), so it is
 * trusted only when every sample (at least five, over at least `minSpanMs` of pushes) agrees.
 */
/** Pushes that must agree before a slow clock is believed. */
const MIN_SLOW_SAMPLES = 5;

export class ClockOffsetEstimator {
  private samples: { atMs: number; offsetMs: number }[] = [];

  constructor(
    private readonly opts: { toleranceMs: number; windowMs: number; minSpanMs: number; maxSamples: number },
    /** Last measured offset (persisted), used until new samples say otherwise. */
    private current: number | undefined = undefined,
  ) {}

  get offsetMs(): number | undefined {
    return this.current;
  }

  /** Add a sample; returns the offset now in force (undefined: none known, times taken as they are). */
  sample(punchMs: number, receivedMs: number): number | undefined {
    this.samples.push({ atMs: receivedMs, offsetMs: punchMs - receivedMs });
    this.samples = this.samples
      .filter((s) => receivedMs - s.atMs <= this.opts.windowMs)
      .slice(-this.opts.maxSamples);
    const best = Math.max(...this.samples.map((s) => s.offsetMs));
    const span = receivedMs - this.samples[0]!.atMs;
    if (best >= this.opts.toleranceMs) this.current = best;
    else if (best <= -this.opts.toleranceMs) {
      if (span >= this.opts.minSpanMs && this.samples.length >= MIN_SLOW_SAMPLES) this.current = best;
    } else this.current = 0;
    return this.current;
  }
}
