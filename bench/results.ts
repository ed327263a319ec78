/**
 * The figures every bench reports, in one shape, so that `npm run bench` (bench/run-all.ts) can
 * write bench/results.json and bench/results.md from one run. A bench prints its own tables as
 * before and also calls record(); outside run-all (BENCH_RESULTS unset) record() does nothing.
 */
import { appendFileSync } from "node:fs";
import type { Timing } from "./measure.ts";

export interface Figure {
  case: string;
  unit: "ms" | "MiB" | "bytes" | "calls/s" | "count";
  median: number;
  p10?: number;
  p90?: number;
  max?: number;
  runs?: number;
  note?: string;
}

/** A comparison measured in the same run on the same input: theirs / ours (or ours / theirs where that is the better way up; `better` says). */
export interface Ratio {
  name: string;
  value: number;
  /** What the issue asks for, as text ("≥ 10×", "≤ 1"), and whether this run met it. */
  target?: string;
  met?: boolean;
}

export interface Section {
  id: string;
  title: string;
  /** What was measured against what, in a line or two: the binary, the peer's version, the input. */
  context: string[];
  figures: Figure[];
  ratios: Ratio[];
}

export function record(section: Section): void {
  const path = process.env.BENCH_RESULTS;
  if (path) appendFileSync(path, `${JSON.stringify(section)}\n`);
}

/** A wall-time Timing (bench/measure.ts) as a figure. */
export function timingFigure(name: string, t: Timing, note?: string): Figure {
  return { case: name, unit: "ms", median: t.medianMs, p10: t.p10Ms, p90: t.p90Ms, max: t.maxMs, runs: t.runs, ...(note ? { note } : {}) };
}

/** A ratio rounded to one decimal place, with its target checked ("≥ N" or "≤ N"). */
export function ratio(name: string, value: number, target?: { atLeast?: number; atMost?: number }): Ratio {
  const rounded = Math.round(value * 100) / 100;
  if (!target) return { name, value: rounded };
  const met = (target.atLeast === undefined || value >= target.atLeast) && (target.atMost === undefined || value <= target.atMost);
  return { name, value: rounded, target: target.atLeast !== undefined ? `≥ ${target.atLeast}` : `≤ ${target.atMost}`, met };
}
