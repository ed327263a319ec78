/** Wall time of whole commands, run one after another; the figure is the median with its spread. */
export interface Timing {
  runs: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  maxMs: number;
}

export function summarize(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] as number;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { runs: sorted.length, medianMs: round(at(0.5)), p10Ms: round(at(0.1)), p90Ms: round(at(0.9)), maxMs: round(sorted.at(-1) as number) };
}

/** Runs argv `runs` times (after one warm-up run) and checks each exit code is one of `okCodes`. */
export async function timeCommand(argv: string[], runs: number, okCodes: number[] = [0], cwd?: string): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const child = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe", cwd });
    const code = await child.exited;
    const ms = performance.now() - started;
    if (!okCodes.includes(code)) throw new Error(`${argv.join(" ")} exited ${code}: ${await new Response(child.stderr).text()}`);
    if (i > 0) samples.push(ms);
  }
  return summarize(samples);
}

export function row(name: string, t: Timing, extra = ""): string {
  return `| ${name} | ${t.medianMs} | ${t.p10Ms}–${t.p90Ms} | ${t.maxMs} | ${t.runs} | ${extra} |`;
}

export const HEADER = "| case | median ms | p10–p90 ms | max ms | runs | note |\n|---|---|---|---|---|---|";
