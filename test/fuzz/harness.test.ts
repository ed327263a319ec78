/** The harness can fail: each kind of failure is caught, named, and replayable from its seed. */
import { describe, expect, test } from "bun:test";
import { InputError } from "../../src/errors.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { caseSeed, Rng } from "./lib/prng.ts";
import { chunks, mutateBytes } from "./lib/mutate.ts";
import { FUZZ } from "./lib/config.ts";

const base = { file: import.meta.path, count: 40, generate: (rng: Rng) => rng.int(10) };
const failureOf = async (target: FuzzTarget<number>) => {
  const stats = await fuzz(target);
  try {
    expectClean(stats, target);
  } catch (error) {
    return { stats, message: (error as Error).message };
  }
  return { stats, message: "" };
};

// A replay (FUZZ_CASE) or a fixed count (FUZZ_ITERATIONS) changes what these batches run.
describe.skipIf(FUZZ.onlyCase !== undefined || FUZZ.iterations !== undefined)("the fuzzing harness", () => {
  test("a typed error is a refusal; an untyped one is a failure with its case and the command to replay it", async () => {
    const { stats, message } = await failureOf({
      ...base,
      name: "self-test untyped",
      run(n) {
        if (n === 3) throw new TypeError("boom");
        if (n % 2) throw new InputError("x", [{ path: "", message: "odd" }]);
        return n;
      },
    });
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.failures).toHaveLength(1);
    expect(message).toContain("untyped error at case");
    expect(message).toContain(`FUZZ_SEED=0x${FUZZ.seed.toString(16)} FUZZ_CASE=`);
    expect(message).toContain("TypeError: boom");
  });

  test("a promise that never settles is a hang; a slow sync call is too slow", async () => {
    const hang = await failureOf({ ...base, name: "self-test hang", count: 2, timeLimitMs: 50, run: () => new Promise(() => {}) });
    expect(hang.message).toContain("hang at case 0");
    const slow = await failureOf({ ...base, name: "self-test slow", count: 1, timeLimitMs: 20, run: () => Bun.sleepSync(40) });
    expect(slow.message).toContain("too slow at case 0");
  });

  test("a result the check refuses is an invalid result", async () => {
    const { message } = await failureOf({ ...base, name: "self-test invalid", run: (n) => n, check: (n) => { if (n === 7) throw new Error("seven is not valid"); } });
    expect(message).toContain("invalid result");
    expect(message).toContain("seven is not valid");
  });

  test("a case's input depends on the seed, the target and its index only", () => {
    const make = (index: number) => mutateBytes(new Rng(caseSeed(42, "t", index)), new TextEncoder().encode('{"a": [1, 2, 3]}'), { others: [], dictionary: ["x"], maxBytes: 1000 });
    expect(make(5)).toEqual(make(5));
    expect(make(5)).not.toEqual(make(6));
    expect(caseSeed(42, "t", 5)).not.toBe(caseSeed(42, "u", 5));
    const bytes = new Uint8Array(300).map((_, i) => i);
    expect(Buffer.concat(chunks(new Rng(1), bytes))).toEqual(Buffer.from(bytes));
  });
});
