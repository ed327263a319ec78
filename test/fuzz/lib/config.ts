/**
 * The run's knobs, from the environment (see test/fuzz/README.md):
 *   FUZZ_SEED        the run seed (decimal or 0x…; "random" draws one). Default: fixed, so CI is repeatable.
 *   FUZZ_ITERATIONS  inputs per target, instead of each target's default.
 *   FUZZ_SCALE       a multiplier on each target's default (FUZZ_SCALE=20 for a long local run).
 *   FUZZ_CASE        run only this case index (with the seed that found it): the reproduction.
 *   FUZZ_REPORT      a file to append one JSON line of figures per target to.
 *   FUZZ_ARTIFACTS   where failing inputs are written (default: $TMPDIR/tether-fuzz).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

export const DEFAULT_SEED = 0x7e7e_2024;

function parseSeed(text: string | undefined): number {
  if (text === undefined || text === "") return DEFAULT_SEED;
  if (text === "random") return crypto.getRandomValues(new Uint32Array(1))[0]!;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED=${text}: expected an integer (or 0x…, or "random")`);
  return n >>> 0;
}

function parseCount(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name}=${text}: expected a positive number`);
  return n;
}

function parseIndex(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`FUZZ_CASE=${text}: expected a case index (0, 1, …)`);
  return n;
}

const env = process.env;

export const FUZZ = {
  seed: parseSeed(env.FUZZ_SEED),
  iterations: parseCount("FUZZ_ITERATIONS", env.FUZZ_ITERATIONS),
  scale: parseCount("FUZZ_SCALE", env.FUZZ_SCALE) ?? 1,
  onlyCase: parseIndex(env.FUZZ_CASE),
  report: env.FUZZ_REPORT || undefined,
  artifacts: env.FUZZ_ARTIFACTS || join(tmpdir(), "tether-fuzz"),
};

/** How many inputs a target with `defaultCount` runs in this run. */
export function countFor(defaultCount: number): number {
  if (FUZZ.onlyCase !== undefined) return 1;
  return Math.max(1, Math.round(FUZZ.iterations ?? defaultCount * FUZZ.scale));
}

/** A bun test timeout that grows with the run: the default run must fit CI, a long one must not time out. */
export function timeoutFor(defaultCount: number, msPerInput: number, floorMs = 60_000): number {
  return Math.max(floorMs, countFor(defaultCount) * msPerInput * 3 + 30_000);
}
