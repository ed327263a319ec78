#!/usr/bin/env bun
/**
 * render-network speed: for each output format cloud-init's `devel net-convert -O` accepts here
 * (read from its --help), the compiled `agent render-network -O FORMAT` against `cloud-init devel
 * net-convert -O FORMAT`, same inputs and flags: the network corpus, test/fixtures/network/input,
 * with the NICs of nics.txt, each format with the distro cloud-init needs for it (-D, below).
 *
 * - Inputs: every fixture whose kind cloud-init takes (-k network_data.json or yaml; xen and ec2
 *   are ours alone and left out), and, per format, only those cloud-init 22.4 renders: where it
 *   fails (its KeyError / ValueError on v1-all and v2-all, see test/peers/network-peers.test.ts) the
 *   fixture is left out for both sides and the reason printed. Found in the warm-up pass.
 * - One sample = one pass over the format's fixtures, one process per fixture, the sum of their
 *   wall times; the figure is the median over --passes passes (p10–p90). Sums rather than per-fixture
 *   medians: cloud-init's runs are ~0.3 s each, so 14 (fixture, format) pairs × 10 passes keep the
 *   bench under a minute, and a sum of 2–4 runs is steadier than any one of them. Within a pass the
 *   two sides take turns per format, so a change of load falls on both.
 * - Five at once: ours `-O eni,netplan,networkd,sysconfig,network-manager` (one process per
 *   fixture, -D ubuntu) against cloud-init's five runs, on the fixtures every format renders, in
 *   the same passes (cloud-init's figure is the sum of that pass's per-format runs on them).
 *
 *   bun bench/network.ts [--passes 10] [--binary dist/agent-linux-x64]
 *
 * Ratios are cloud-init / ours (higher: ours is faster). Reported, never asserted. A binary that is
 * missing, or older than render-network, is built into a temp directory rather than over dist/.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { HEADER, row, summarize, type Timing } from "./measure.ts";
import { ratio, record, timingFigure, type Figure, type Ratio } from "./results.ts";

const { values } = parseArgs({ options: { passes: { type: "string", default: "10" }, binary: { type: "string", default: "dist/agent-linux-x64" } } });
const passes = Number(values.passes);
if (!(passes >= 1)) throw new Error("--passes must be ≥ 1");
const REPO = resolve(import.meta.dir, "..");
const FIXTURES = join(REPO, "test/fixtures/network");
const INPUTS = join(FIXTURES, "input");
const NICS = readFileSync(join(FIXTURES, "nics.txt"), "utf8").split("\n").filter(Boolean).flatMap((nic) => ["-m", nic]);
/** The distro each format is rendered for: cloud-init's netplan needs a netplan distro, its sysconfig a Red Hat one. */
const DISTRO: Record<string, string> = { eni: "debian", netplan: "ubuntu", networkd: "debian", sysconfig: "rhel", "network-manager": "rhel" };
const OURS = Object.keys(DISTRO);
const kindOf = (file: string) => (file.endsWith(".network_data.json") ? "network_data.json" : file.startsWith("xen") ? "xen" : file.startsWith("ec2") ? "ec2" : "yaml");

const work = mkdtempSync(join(tmpdir(), "tether-bench-network-"));
let runCounter = 0;
const outDir = () => join(work, `out-${runCounter++}`);

async function usableBinary(path: string): Promise<string> {
  if (existsSync(path)) {
    const help = Bun.spawnSync([path, "render-network", "--help"]);
    if (help.exitCode === 0 && !help.stdout.toString().includes("not built")) return path;
  }
  const outdir = join(work, "dist");
  console.error(`${path} is missing or predates render-network: building linux-x64 into ${outdir}`);
  const build = Bun.spawnSync([process.execPath, join(REPO, "scripts/build-binaries.ts"), "--target", "linux-x64", "--outdir", outdir], { stderr: "inherit" });
  if (build.exitCode !== 0) throw new Error("build failed");
  return join(outdir, "agent-linux-x64");
}

/** One run: wall ms, exit code, last stderr line. */
async function timed(argv: string[]): Promise<{ ms: number; code: number; error: string }> {
  const started = performance.now();
  const child = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe" });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  const ms = performance.now() - started;
  return { ms, code, error: stderr.trim().split("\n").at(-1) ?? "" };
}

/** The choices of one option in an argparse usage text, e.g. `-O {eni,netplan,...}`. */
function choices(help: string, flag: string): string[] {
  return help.match(new RegExp(`${flag} \\{([^}]+)\\}`))?.[1]?.split(",") ?? [];
}

const cloudInit = Bun.which("cloud-init");
if (!cloudInit) throw new Error("cloud-init is missing: scripts/install-test-peers.sh (apt-get install -y --no-install-recommends cloud-init)");

try {
  const binary = await usableBinary(resolve(values.binary as string));
  const version = Bun.spawnSync([cloudInit, "--version"]).stdout.toString().trim().split(" ").at(-1) ?? "?";
  const help = Bun.spawnSync([cloudInit, "devel", "net-convert", "--help"]).stdout.toString().replace(/\s+/g, " ");
  const theirFormats = choices(help, "-O");
  const theirKinds = choices(help, "-k");
  const formats = OURS.filter((f) => theirFormats.includes(f));
  const notTheirs = OURS.filter((f) => !theirFormats.includes(f));
  const all = readdirSync(INPUTS).sort();
  const fixtures = all.filter((f) => theirKinds.includes(kindOf(f)));
  const oursAlone = all.filter((f) => !fixtures.includes(f));

  const ours = (file: string, format: string, distro = DISTRO[format] as string) => [binary, "render-network", "-p", join(INPUTS, file), "-k", kindOf(file), "-d", outDir(), "-D", distro, "-O", format, ...NICS];
  const theirs = (file: string, format: string) => [cloudInit, "devel", "net-convert", "-p", join(INPUTS, file), "-k", kindOf(file), "-d", outDir(), "-D", DISTRO[format] as string, "-O", format, ...NICS];

  // ---- Warm-up pass: which (fixture, format) pairs cloud-init renders; ours must render them all. ----
  const cases = new Map<string, string[]>();
  const left: string[] = [];
  for (const format of formats) {
    const ok: string[] = [];
    for (const file of fixtures) {
      const peer = await timed(theirs(file, format));
      if (peer.code !== 0) {
        left.push(`${file} -O ${format} -D ${DISTRO[format]}: cloud-init exits ${peer.code} (${peer.error.slice(0, 100)})`);
        continue;
      }
      const mine = await timed(ours(file, format));
      if (mine.code !== 0) throw new Error(`agent render-network ${file} -O ${format} exited ${mine.code}: ${mine.error}`);
      ok.push(file);
    }
    cases.set(format, ok);
  }
  const everyFormat = fixtures.filter((f) => formats.every((format) => cases.get(format)?.includes(f)));
  const allFlag = formats.join(",");
  for (const file of everyFormat) {
    const mine = await timed(ours(file, allFlag, "ubuntu"));
    if (mine.code !== 0) throw new Error(`agent render-network ${file} -O ${allFlag} exited ${mine.code}: ${mine.error}`);
  }
  rmSync(work, { recursive: true, force: true });

  // ---- The passes. ----
  const samples = new Map<string, { ours: number[]; theirs: number[] }>(formats.map((f) => [f, { ours: [], theirs: [] }]));
  const fiveOurs: number[] = [];
  const fiveTheirs: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    let theirFive = 0;
    for (const [k, format] of formats.entries()) {
      const s = samples.get(format) as { ours: number[]; theirs: number[] };
      let mine = 0;
      let peer = 0;
      // Alternate which side goes first, per format and per pass.
      for (const side of (pass + k) % 2 ? ["theirs", "ours"] : ["ours", "theirs"]) {
        for (const file of cases.get(format) as string[]) {
          const r = await timed(side === "ours" ? ours(file, format) : theirs(file, format));
          if (r.code !== 0) throw new Error(`${side === "ours" ? "agent render-network" : "cloud-init devel net-convert"} ${file} -O ${format} exited ${r.code} in pass ${pass + 1}: ${r.error}`);
          if (side === "ours") mine += r.ms;
          else {
            peer += r.ms;
            if (everyFormat.includes(file)) theirFive += r.ms;
          }
        }
      }
      s.ours.push(mine);
      s.theirs.push(peer);
    }
    let mineFive = 0;
    for (const file of everyFormat) {
      const r = await timed(ours(file, allFlag, "ubuntu"));
      if (r.code !== 0) throw new Error(`agent render-network ${file} -O ${allFlag} exited ${r.code}: ${r.error}`);
      mineFive += r.ms;
    }
    fiveOurs.push(mineFive);
    fiveTheirs.push(theirFive);
    rmSync(work, { recursive: true, force: true });
  }

  // ---- Report. ----
  const figures: Figure[] = [];
  const ratios: Ratio[] = [];
  console.log(`measured: ${relative(REPO, binary)} against cloud-init ${version} devel net-convert; ${passes} passes after a warm-up; one sample = the sum over a format's fixtures, one process each; NICs from nics.txt`);
  if (oursAlone.length) console.log(`not compared (cloud-init has no -k for them): ${oursAlone.join(", ")}`);
  if (notTheirs.length) console.log(`formats cloud-init's -O does not accept here: ${notTheirs.join(", ")}`);
  for (const line of left) console.log(`left out for both: ${line}`);
  console.log(HEADER);
  const ratioLines: string[] = [];
  for (const format of formats) {
    const s = samples.get(format) as { ours: number[]; theirs: number[] };
    const files = cases.get(format) as string[];
    const note = `-D ${DISTRO[format]}, ${files.length} fixtures: ${files.join(", ")}`;
    const [mine, peer] = [summarize(s.ours), summarize(s.theirs)] as [Timing, Timing];
    console.log(row(`agent render-network -O ${format} (compiled)`, mine, note));
    console.log(row(`cloud-init devel net-convert -O ${format}`, peer, note));
    figures.push(timingFigure(`agent render-network -O ${format}`, mine, note), timingFigure(`cloud-init devel net-convert -O ${format}`, peer, note));
    const r = peer.medianMs / mine.medianMs;
    ratios.push(ratio(`${format}, cloud-init / ours`, r));
    ratioLines.push(`ratio, ${format}, cloud-init / ours: ${r.toFixed(1)}×`);
  }
  const fiveNote = `${everyFormat.length} fixtures every format renders: ${everyFormat.join(", ")}`;
  const [mineFive, peerFive] = [summarize(fiveOurs), summarize(fiveTheirs)] as [Timing, Timing];
  console.log(row(`agent render-network -O ${allFlag} (compiled, one run per fixture, -D ubuntu)`, mineFive, fiveNote));
  console.log(row("cloud-init devel net-convert, the five formats, five runs per fixture", peerFive, `${fiveNote}; the same passes' per-format runs`));
  figures.push(timingFigure("agent render-network, all five formats at once", mineFive, fiveNote), timingFigure("cloud-init devel net-convert, five runs", peerFive, fiveNote));
  const fiveRatio = peerFive.medianMs / mineFive.medianMs;
  ratios.push(ratio("five formats: cloud-init's five runs / our one", fiveRatio));
  console.log("");
  for (const line of ratioLines) console.log(line);
  console.log(`ratio, five formats, cloud-init's five runs / our one run: ${fiveRatio.toFixed(1)}×`);

  record({
    id: "network",
    title: "Network rendering: agent render-network vs cloud-init devel net-convert",
    context: [
      `${relative(REPO, binary)} against cloud-init ${version}, the corpus test/fixtures/network/input (${fixtures.join(", ")}), NICs from nics.txt`,
      `median over ${passes} passes of the sum over each format's fixtures (one process per fixture); fixtures cloud-init fails on are left out for both (${left.length} pairs)`,
    ],
    figures,
    ratios,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
