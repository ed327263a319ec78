/**
 * What the daemon benches (xenstore.ts, qga.ts) share: a watchdog and signal handlers that clean
 * up whatever happens, latency quantiles with p99, the table they print, and /proc readings.
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * Aborts the returned controller after `deadlineMs` and, a second later, cleans up and exits 1;
 * SIGINT, SIGTERM and SIGHUP clean up and exit at once. `cleanUp` must be synchronous and idempotent.
 */
export function guardBench(name: string, deadlineMs: number, cleanUp: () => void): { deadline: AbortController; watchdog: ReturnType<typeof setTimeout> } {
  const deadline = new AbortController();
  const watchdog = setTimeout(() => {
    deadline.abort(new Error(`over ${deadlineMs / 1000} s, aborted`));
    // Whatever is awaiting now gets a second to notice; then everything goes regardless.
    setTimeout(() => {
      console.error(`${name}: over ${deadlineMs / 1000} s, killed`);
      cleanUp();
      process.exit(1);
    }, 1000).unref();
  }, deadlineMs);
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    process.once(sig, () => {
      console.error(`${name}: ${sig}, stopped`);
      cleanUp();
      process.exit(code);
    });
  }
  return { deadline, watchdog };
}

export interface Latency {
  calls: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  perSecond: number;
  /** p50 unrounded, for ratios. */
  exactP50: number;
}

/** The same quantiles as measure.ts's summarize, plus p99, rounded to `digits` decimals of a ms (these are sub-ms). */
export function latency(samples: number[], wallMs: number, digits = 2): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] as number;
  const round = (n: number) => Math.round(n * 10 ** digits) / 10 ** digits;
  return { calls: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted.at(-1) as number), perSecond: Math.round((sorted.length * 1000) / wallMs), exactP50: at(0.5) };
}

export const LATENCY_HEADER = "| case | p50 ms | p90 ms | p99 ms | max ms | calls | calls/s | note |\n|---|---|---|---|---|---|---|---|";
export const latencyRow = (name: string, l: Latency, note = "") => `| ${name} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} | ${l.calls} | ${l.perSecond} | ${note} |`;

const clockTicks = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** /proc/<pid>/stat's utime + stime, in ms (the fields after the parenthesised comm: 12th and 13th). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** A "key: N kB" line of /proc/<pid>/status (VmRSS, VmHWM, RssAnon, RssFile), in kB. */
export const statusKb = (pid: number, key: string) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN);

/** Each thread's on-CPU ns and timeslices, from /proc/<pid>/task/<tid>/schedstat: finer than ticks. */
export function schedstat(pid: number): Map<string, [number, number]> {
  const threads = new Map<string, [number, number]>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, , count] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
      threads.set(tid, [run ?? NaN, count ?? NaN]);
    }
  } catch {
    // a thread gone between readdir and read, or no schedstat: what was read is kept
  }
  return threads;
}
/** On-CPU ms and timeslices between two readings, over the threads alive at the end (one that exited in between is not counted). */
export function schedDelta(before: Map<string, [number, number]>, after: Map<string, [number, number]>): { ms: number; slices: number } {
  let ns = 0;
  let slices = 0;
  for (const [tid, [run, count]] of after) {
    const [run0, count0] = before.get(tid) ?? [0, 0];
    ns += run - run0;
    slices += count - count0;
  }
  return { ms: ns / 1e6, slices };
}

export { clockTicks };
