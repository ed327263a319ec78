/**
 * A small deterministic PRNG (splitmix32) and the choices the fuzzers make with it. Every case gets
 * its own generator, seeded from (run seed, target, case index), so one case can be made again on its
 * own: FUZZ_SEED and FUZZ_CASE reproduce exactly the input that failed, whatever ran before it.
 */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** splitmix32: passes the usual statistical batteries, and is four lines. */
  u32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** [0, n) */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** [lo, hi], both included. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: nothing to pick from");
    return items[this.int(items.length)] as T;
  }

  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((n, [w]) => n + w, 0);
    let at = this.u32() / 0x1_0000_0000 * total;
    for (const [w, value] of items) {
      if (at < w) return value;
      at -= w;
    }
    return items[items.length - 1]![1];
  }

  /** Small numbers far more often than large: most mutations should be small. */
  small(max: number): number {
    return Math.min(max, Math.floor(2 ** (this.u32() / 0x1_0000_0000 * Math.log2(max + 1))));
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** FNV-1a over a string: a target's name as a number, so targets draw different inputs from one seed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of one case: independent of every other case, so it can be replayed alone. */
export function caseSeed(runSeed: number, target: string, index: number): number {
  const mix = new Rng(runSeed ^ hashString(target));
  for (let i = 0; i < 2; i++) mix.u32();
  return (mix.u32() + Math.imul(index, 0x9e3779b1)) >>> 0;
}
