#!/usr/bin/env bun
/**
 * Start-up: `agent --version` (the compiled binary) against `cloud-init --version` (Debian's),
 * wall time and peak RSS, in one run, taking turns so that a change of load falls on both.
 *
 * - Wall: each command spawned directly (Bun.spawn), from spawn to exit; one warm-up run each,
 *   then --runs runs each; median, p10–p90.
 * - Max RSS: each command run under GNU time (`/usr/bin/time -f %M`, kB), --rss-runs runs each;
 *   the median. Not Bun.spawn's resourceUsage().maxRSS: that is in bytes, but Bun starts children
 *   with vfork + exec, and Linux carries the pre-exec address space's high-water mark (this bench
 *   process's own RSS, tens of MiB) into the child's ru_maxrss, so every child reads at least as
 *   big as the bench; GNU time fork()s from a ~2 MiB process. The Bun figure is printed beside it
 *   with the bench's own RSS to show the floor.
 *
 *   bun bench/startup.ts [--runs 20] [--rss-runs 10] [--binary dist/agent-linux-x64]
 *
 * Ratios are cloud-init / agent (higher: ours is faster or smaller). Reported, never asserted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { HEADER, row, summarize, type Timing } from "./measure.ts";
import { ratio, record, timingFigure, type Figure } from "./results.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" }, "rss-runs": { type: "string", default: "10" }, binary: { type: "string", default: "dist/agent-linux-x64" } } });
const runs = Number(values.runs);
const rssRuns = Number(values["rss-runs"]);
if (!(runs >= 1 && rssRuns >= 1)) throw new Error("--runs and --rss-runs must be ≥ 1");
const REPO = resolve(import.meta.dir, "..");
const binary = resolve(values.binary as string);
if (!existsSync(binary)) throw new Error(`${relative(REPO, binary)} is missing: npm run build (or bun scripts/build-binaries.ts --target linux-x64 --outdir dist)`);
const cloudInit = Bun.which("cloud-init");
if (!cloudInit) throw new Error("cloud-init is missing: scripts/install-test-peers.sh (apt-get install -y --no-install-recommends cloud-init)");
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

const work = mkdtempSync(join(tmpdir(), "tether-bench-startup-"));
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

interface Side {
  name: string;
  argv: string[];
  wall: number[];
  bunMaxRss: number[];
  rssKb: number[];
}

async function once(side: Side): Promise<void> {
  const started = performance.now();
  const child = Bun.spawn(side.argv, { stdout: "pipe", stderr: "pipe" });
  const code = await child.exited;
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${side.argv.join(" ")} exited ${code}: ${await new Response(child.stderr).text()}`);
  side.wall.push(ms);
  side.bunMaxRss.push(child.resourceUsage()?.maxRSS ?? NaN);
}

async function rssOnce(side: Side, i: number): Promise<void> {
  const out = join(work, `rss-${i}`);
  const child = Bun.spawn([gnuTime as string, "-f", "%M", "-o", out, ...side.argv], { stdout: "ignore", stderr: "pipe" });
  const code = await child.exited;
  if (code !== 0) throw new Error(`time ${side.argv.join(" ")} exited ${code}: ${await new Response(child.stderr).text()}`);
  side.rssKb.push(Number(readFileSync(out, "utf8").trim().split("\n").at(-1)));
}

try {
  const ours: Side = { name: `agent --version (${relative(REPO, binary)})`, argv: [binary, "--version"], wall: [], bunMaxRss: [], rssKb: [] };
  const theirs: Side = { name: "cloud-init --version", argv: [cloudInit, "--version"], wall: [], bunMaxRss: [], rssKb: [] };
  const version = Bun.spawnSync([cloudInit, "--version"]).stdout.toString().trim().split(" ").at(-1) ?? "?";
  const sides = [ours, theirs];
  for (const side of sides) await once(side); // warm-up: the page cache holds both from here on
  for (const side of sides) side.wall.length = 0;
  for (let i = 0; i < runs; i++) for (const side of sides) await once(side);
  if (gnuTime) for (let i = 0; i < rssRuns; i++) for (const [k, side] of sides.entries()) await rssOnce(side, i * 2 + k);
  const selfRss = process.memoryUsage().rss;

  const wall = sides.map((s) => summarize(s.wall)) as [Timing, Timing];
  const rss = sides.map((s) => (gnuTime ? median(s.rssKb) * 1024 : NaN));
  const [ourRss, theirRss] = rss as [number, number];
  console.log(`measured: ${relative(REPO, binary)} against cloud-init ${version}; wall from spawn to exit, ${runs} runs each after a warm-up, taking turns; max RSS ${gnuTime ? `under /usr/bin/time -f %M, median of ${rssRuns}` : "not measured (/usr/bin/time missing: apt-get install time)"}`);
  console.log(HEADER);
  for (const [k, side] of sides.entries()) console.log(row(side.name, wall[k] as Timing, `max RSS ${mib(rss[k] as number)} MiB`));
  const wallRatio = wall[1].medianMs / wall[0].medianMs;
  const rssRatio = theirRss / ourRss;
  console.log("");
  console.log(`ratio, cloud-init / agent, wall (medians): ${wallRatio.toFixed(1)}×`);
  console.log(`ratio, cloud-init / agent, max RSS: ${rssRatio.toFixed(2)}×`);
  console.log(
    `(Bun.spawn resourceUsage().maxRSS, bytes, median: agent ${mib(median(ours.bunMaxRss))} MiB, cloud-init ${mib(median(theirs.bunMaxRss))} MiB — floored at this bench's own RSS, ${mib(selfRss)} MiB, which vfork + exec carries into the child's ru_maxrss; not used)`,
  );

  const figures: Figure[] = [timingFigure("agent --version, wall", wall[0]), timingFigure("cloud-init --version, wall", wall[1])];
  if (gnuTime) {
    figures.push({ case: "agent --version, max RSS", unit: "MiB", median: mib(ourRss), runs: rssRuns, note: "GNU time %M" });
    figures.push({ case: "cloud-init --version, max RSS", unit: "MiB", median: mib(theirRss), runs: rssRuns, note: "GNU time %M" });
  }
  record({
    id: "startup",
    title: "Start-up: agent --version vs cloud-init --version",
    context: [
      `${relative(REPO, binary)} against Debian's cloud-init ${version}, ${runs} runs each after a warm-up, taking turns`,
      "wall from spawn to exit; max RSS under /usr/bin/time -f %M (Bun.spawn's maxRSS is floored at the bench's own RSS: vfork)",
    ],
    figures,
    ratios: [ratio("wall, cloud-init / agent", wallRatio), ...(gnuTime ? [ratio("max RSS, cloud-init / agent", rssRatio)] : [])],
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
