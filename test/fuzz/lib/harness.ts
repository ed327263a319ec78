/**
 * The fuzzing loop: inputs made from seeded generators, each run through a public entry point under
 * a time bound, with memory watched over the batch. The property, for every input: a result that the
 * target's check accepts, or a typed error (TetherError, or the module's documented class); never
 * another exception, never past the time bound, never past the memory bound.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TetherError } from "../../../src/errors.ts";
import { countFor, FUZZ } from "./config.ts";
import { caseSeed, Rng } from "./prng.ts";
import { watchdog } from "./watchdog.ts";

export interface FuzzTarget<I> {
  /** Names the target in the test, the report and the artifacts: "network_data.json". */
  name: string;
  /** The test file, for the reproduction command (pass import.meta.path). */
  file: string;
  /** Inputs in the default (CI) run. */
  count: number;
  /** One input, from this case's own generator. */
  generate(rng: Rng, index: number): I | Promise<I>;
  /** The entry point under test; its result goes to `check`. */
  run(input: I): unknown;
  /** Errors the module documents besides TetherError (WireError, XenstoreError, …). */
  typed?(error: unknown): boolean;
  /** Throws when a result is not a valid one. */
  check?(result: unknown, input: I): void | Promise<void>;
  /** Per input. Default 2 s. */
  timeLimitMs?: number;
  /** RSS growth over the whole batch. Default 512 MiB. */
  memoryLimitBytes?: number;
  /** A short description of the input for the failure report. */
  show?(input: I): string;
  /** The input as a file, written beside the report of a failure. */
  bytes?(input: I): Uint8Array | string;
}

export interface Failure {
  index: number;
  kind: "untyped error" | "hang" | "too slow" | "invalid result" | "memory";
  signature: string;
  message: string;
  input: string;
  artifact?: string;
}

export interface FuzzStats {
  target: string;
  seed: string;
  inputs: number;
  ok: number;
  refused: number;
  /** Distinct refusals, "InputError: expected a MAC address, got …" → how often. */
  kinds: Map<string, number>;
  /** Error classes seen, by name → how often. */
  classes: Map<string, number>;
  ms: number;
  /** Of `ms`: making the inputs, and the entry point's own time. */
  generateMs: number;
  runMs: number;
  checkMs: number;
  slowestMs: number;
  slowestCase: number;
  rssGrowthMb: number;
  failures: Failure[];
}

const DEFAULT_TIME_LIMIT_MS = 2000;
const DEFAULT_MEMORY_LIMIT = 512 << 20;
/** Memory is looked at this often; a GC is forced only when RSS looks over the bound (one costs ~100 ms). */
const MEMORY_EVERY = 50;
/** Past this many distinct failures the report would say nothing new. */
const MAX_DISTINCT_FAILURES = 12;

export const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** A message without its particulars, so "expected a MAC, got "x1"" and "… got "y2"" count as one kind. */
export function normalize(message: string): string {
  // Cut first: the quote patterns rescan from every quote, which is quadratic on a megabyte.
  return message
    .slice(0, 400)
    .split("\n")[0]!
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/\d+/g, "N")
    .slice(0, 110);
}

function errorKind(error: unknown): string {
  if (error instanceof Error) {
    const problems = (error as { problems?: { message: string }[] }).problems;
    const text = problems?.[0]?.message ?? error.message;
    return `${error.constructor.name}: ${normalize(text)}`;
  }
  return `thrown ${typeof error}: ${normalize(String(error))}`;
}

/** Where an untyped error came from: the first frame inside src/, which makes failures of one bug one signature. */
function origin(error: unknown): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const frame = stack.split("\n").find((line) => line.includes("/src/"));
  return frame ? frame.trim().replace(/^at /, "").replace(/:\d+\)?$/, "").replace(/.*\/src\//, "src/") : "?";
}

function preview(text: string, max = 300): string {
  const printable = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return printable.length > max ? `${printable.slice(0, max)}… (${text.length} chars)` : printable;
}

function showInput<I>(target: FuzzTarget<I>, input: I): string {
  if (target.show) return target.show(input);
  if (typeof input === "string") return preview(input);
  if (input instanceof Uint8Array) return preview(Buffer.from(input).toString("latin1"));
  try {
    return preview(JSON.stringify(input) ?? String(input));
  } catch {
    return "(an input JSON cannot show)";
  }
}

function gcRss(): number {
  Bun.gc(true);
  return process.memoryUsage().rss;
}

/**
 * RSS growth since `base`: as it is when under `limit` (an upper bound), else after a full GC, at
 * most one every two seconds (RSS that garbage has grown stays high; a GC per check would cost more
 * than the inputs).
 */
function rssGrowth(base: number, limit: number, last: { at: number; growth: number }): number {
  const growth = process.memoryUsage().rss - base;
  if (growth <= limit) return growth;
  if (performance.now() - last.at < 2000) return last.growth;
  last.at = performance.now();
  last.growth = gcRss() - base;
  return last.growth;
}

class Hang extends Error {}

/** Runs `work` with a deadline; a sync call is measured afterwards (it cannot be interrupted). */
async function bounded(work: () => unknown, limitMs: number): Promise<{ value?: unknown; error?: unknown; ms: number }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = work();
    if (!(result instanceof Promise)) return { value: result, ms: performance.now() - started };
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Hang(`no answer within ${limitMs} ms`)), limitMs);
    });
    // A late rejection after the deadline must not surface as an unhandled one.
    result.catch(() => {});
    const value = await Promise.race([result, deadline]);
    return { value, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

function repro(target: FuzzTarget<unknown>, index: number): string {
  const file = target.file.replace(/.*\/(test\/fuzz\/)/, "$1");
  return `FUZZ_SEED=${hex(FUZZ.seed)} FUZZ_CASE=${index} bun test ${file} -t '${target.name}'`;
}

/** Runs the target's batch and returns what happened; `expectClean` turns failures into a test failure. */
export async function fuzz<I>(target: FuzzTarget<I>): Promise<FuzzStats> {
  const count = countFor(target.count);
  const first = FUZZ.onlyCase ?? 0;
  const limitMs = target.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const memoryLimit = target.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT;
  const stats: FuzzStats = {
    target: target.name,
    seed: hex(FUZZ.seed),
    inputs: 0,
    ok: 0,
    refused: 0,
    kinds: new Map(),
    classes: new Map(),
    ms: 0,
    generateMs: 0,
    runMs: 0,
    checkMs: 0,
    slowestMs: 0,
    slowestCase: -1,
    rssGrowthMb: 0,
    failures: [],
  };
  const signatures = new Set<string>();
  const profile: [number, number, string][] = [];
  const baseRss = gcRss();
  const lastGc = { at: -Infinity, growth: 0 };
  const started = performance.now();
  const dog = watchdog(target.name, limitMs, (index) => repro(target as FuzzTarget<unknown>, index));

  const fail = (index: number, input: I, kind: Failure["kind"], signature: string, message: string) => {
    if (signatures.has(signature)) return;
    signatures.add(signature);
    const failure: Failure = { index, kind, signature, message, input: showInput(target, input) };
    if (target.bytes) {
      mkdirSync(FUZZ.artifacts, { recursive: true });
      failure.artifact = join(FUZZ.artifacts, `${target.name.replace(/[^\w.-]+/g, "_")}-${hex(FUZZ.seed)}-${index}.bin`);
      writeFileSync(failure.artifact, target.bytes(input));
    }
    stats.failures.push(failure);
  };

  try {
    for (let index = first; index < first + count; index++) {
      if (signatures.size >= MAX_DISTINCT_FAILURES) break;
      const made = performance.now();
      const input = await target.generate(new Rng(caseSeed(FUZZ.seed, target.name, index)), index);
      stats.generateMs += performance.now() - made;
      if (FUZZ.onlyCase !== undefined) console.log(`fuzz ${target.name} case ${index}: ${showInput(target, input)}`);
      dog.start(index);
      const outcome = await bounded(() => target.run(input), limitMs);
      dog.stop();
      stats.inputs++;
      stats.runMs += outcome.ms;
      if (process.env.FUZZ_PROFILE) profile.push([outcome.ms, index, showInput(target, input).slice(0, 120)]);
      if (outcome.ms > stats.slowestMs) {
        stats.slowestMs = outcome.ms;
        stats.slowestCase = index;
      }
      if (outcome.error instanceof Hang) {
        fail(index, input, "hang", "hang", `no result within ${limitMs} ms`);
      } else if (outcome.ms > limitMs) {
        fail(index, input, "too slow", "too slow", `${outcome.ms.toFixed(0)} ms for one input, over the ${limitMs} ms bound`);
      }
      if ("error" in outcome && !(outcome.error instanceof Hang)) {
        const error = outcome.error;
        const typed = error instanceof TetherError || (target.typed?.(error) ?? false);
        const name = error instanceof Error ? error.constructor.name : typeof error;
        stats.classes.set(name, (stats.classes.get(name) ?? 0) + 1);
        if (typed) {
          stats.refused++;
          const kind = errorKind(error);
          stats.kinds.set(kind, (stats.kinds.get(kind) ?? 0) + 1);
        } else {
          const message = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error);
          fail(index, input, "untyped error", `${errorKind(error)} @ ${origin(error)}`, message.slice(0, 2000));
        }
      } else if (!(outcome.error instanceof Hang)) {
        const checking = performance.now();
        try {
          await target.check?.(outcome.value, input);
          stats.ok++;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          fail(index, input, "invalid result", `invalid: ${normalize(message)}`, message.slice(0, 2000));
        }
        stats.checkMs += performance.now() - checking;
      }
      if ((index - first + 1) % MEMORY_EVERY === 0) {
        const growth = rssGrowth(baseRss, memoryLimit, lastGc);
        stats.rssGrowthMb = Math.max(stats.rssGrowthMb, growth / (1 << 20));
        if (growth > memoryLimit) fail(index, input, "memory", "memory", `RSS grew by ${(growth / (1 << 20)).toFixed(0)} MiB over the batch, over the ${memoryLimit >> 20} MiB bound`);
      }
    }
  } finally {
    dog.close();
  }
  lastGc.at = -Infinity;
  stats.rssGrowthMb = Math.max(stats.rssGrowthMb, rssGrowth(baseRss, memoryLimit, lastGc) / (1 << 20));
  if (stats.rssGrowthMb * (1 << 20) > memoryLimit) {
    stats.failures.push({ index: -1, kind: "memory", signature: "memory", message: `RSS grew by ${stats.rssGrowthMb.toFixed(0)} MiB`, input: "(the batch)" });
  }
  stats.ms = performance.now() - started;
  report(stats);
  // FUZZ_PROFILE=1: where the time went, to keep the default run inside its budget.
  for (const [ms, index, shown] of profile.sort((a, b) => b[0] - a[0]).slice(0, 12)) console.log(`  ${ms.toFixed(0)} ms case ${index}: ${shown}`);
  return stats;
}

function report(stats: FuzzStats): void {
  const classes = [...stats.classes].map(([name, n]) => `${name} ${n}`).join(", ") || "none";
  console.log(
    `fuzz ${stats.target}: ${stats.inputs} inputs in ${(stats.ms / 1000).toFixed(1)} s (${(stats.runMs / 1000).toFixed(1)} s in the target, ${(stats.checkMs / 1000).toFixed(1)} s checking, ${(stats.generateMs / 1000).toFixed(1)} s making inputs; seed ${stats.seed}): ` +
      `${stats.ok} valid, ${stats.refused} refused (${stats.kinds.size} distinct; ${classes}), ` +
      `slowest ${stats.slowestMs.toFixed(0)} ms (case ${stats.slowestCase}), RSS +${stats.rssGrowthMb.toFixed(0)} MiB, ${stats.failures.length} failures`,
  );
  if (FUZZ.report) {
    const line = {
      target: stats.target,
      seed: stats.seed,
      inputs: stats.inputs,
      valid: stats.ok,
      refused: stats.refused,
      distinctErrors: stats.kinds.size,
      classes: Object.fromEntries(stats.classes),
      seconds: Number((stats.ms / 1000).toFixed(2)),
      slowestMs: Math.round(stats.slowestMs),
      rssGrowthMb: Math.round(stats.rssGrowthMb),
      failures: stats.failures.map((f) => ({ index: f.index, kind: f.kind, signature: f.signature })),
      topErrors: [...stats.kinds].sort((a, b) => b[1] - a[1]).slice(0, 8),
    };
    appendFileSync(FUZZ.report, `${JSON.stringify(line)}\n`);
  }
}

/** Fails the test with every distinct failure: its case, how to reproduce it, and the input. */
export function expectClean(stats: FuzzStats, target: { name: string; file: string }): void {
  if (stats.failures.length === 0) return;
  const lines = stats.failures.map((f) =>
    [
      `- ${f.kind} at case ${f.index}: ${f.signature}`,
      `  reproduce: ${f.index >= 0 ? repro(target as FuzzTarget<unknown>, f.index) : "(the whole batch)"}`,
      ...(f.artifact ? [`  input saved: ${f.artifact}`] : []),
      `  input: ${f.input}`,
      `  ${f.message.split("\n").slice(0, 8).join("\n  ")}`,
    ].join("\n"),
  );
  throw new Error(`fuzz ${stats.target} (seed ${stats.seed}): ${stats.failures.length} distinct failures\n${lines.join("\n")}`);
}
