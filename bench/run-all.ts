#!/usr/bin/env bun
/**
 * `npm run bench`: every benchmark, one after another (so that none disturbs another's figures),
 * each printing its own tables as it goes and recording its figures (bench/results.ts); then
 * bench/results.json (every section) and bench/results.md (one table for all). With --readme, the
 * README's table between its bench markers is replaced by this run's.
 *
 *   bun bench/run-all.ts [--readme] [--only probe,qga]
 *
 * Peers come from Debian's packages: scripts/install-test-peers.sh installs what is missing first.
 * A bench that fails is reported and the others still run; the exit code is then 1.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Figure, Section } from "./results.ts";

/** In the order they run: the cheap start-up figures first, the long idle one last. */
const BENCHES = ["startup", "binaries", "probe", "validate", "network", "boot", "xenstore", "qga", "idle"] as const;

const { values } = parseArgs({ options: { readme: { type: "boolean", default: false }, only: { type: "string" } } });
const REPO = resolve(import.meta.dir, "..");
const only = values.only?.split(",").map((s) => s.trim());
const chosen = BENCHES.filter((b) => !only || only.includes(b));
if (only) for (const name of only) if (!(BENCHES as readonly string[]).includes(name)) throw new Error(`--only ${name}: expected some of ${BENCHES.join(", ")}`);

const setup = Bun.spawnSync(["bash", join(REPO, "scripts/install-test-peers.sh")], { stdout: "inherit", stderr: "inherit" });
if (setup.exitCode !== 0) console.error("bench: installing the peers failed; benches that need them will say so");

const work = mkdtempSync(join(tmpdir(), "tether-bench-all-"));
const resultsFile = join(work, "results.jsonl");
const failed: string[] = [];
try {
  for (const name of chosen) {
    console.log(`\n## bench/${name}.ts\n`);
    const child = Bun.spawn([process.execPath, join(REPO, `bench/${name}.ts`)], { cwd: REPO, env: { ...process.env, BENCH_RESULTS: resultsFile }, stdout: "inherit", stderr: "inherit" });
    const code = await child.exited;
    if (code !== 0) failed.push(`${name} (exit ${code})`);
  }
  const sections: Section[] = existsSync(resultsFile)
    ? readFileSync(resultsFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Section)
    : [];
  const when = new Date().toISOString();
  const machine = `${navigator.hardwareConcurrency} CPUs, ${process.platform} ${process.arch}, bun ${Bun.version}`;
  writeFileSync(join(REPO, "bench/results.json"), `${JSON.stringify({ when, machine, failed, sections }, null, 2)}\n`);
  const markdown = tableOf(sections, when, machine, failed);
  writeFileSync(join(REPO, "bench/results.md"), markdown);
  if (values.readme) updateReadme(markdown);
  console.log(`\nbench: ${sections.length} sections written to bench/results.json and bench/results.md${failed.length ? `; failed: ${failed.join(", ")}` : ""}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed.length ? 1 : 0;

function value(f: Figure): string {
  const spread = f.p10 !== undefined && f.p90 !== undefined ? ` (${f.p10}–${f.p90})` : f.p90 !== undefined ? ` (p90 ${f.p90})` : "";
  return `${f.median} ${f.unit}${spread}`;
}

/** One table: every figure with its spread and runs, then every ratio with its target. */
function tableOf(sections: Section[], when: string, machine: string, failedBenches: string[]): string {
  const lines = [`Measured ${when} on ${machine}. Medians; in brackets p10–p90 (or p90). Ratios are measured in the same run on the same input.`, ""];
  lines.push("| bench | case | median | runs | note |", "|---|---|---|---|---|");
  for (const s of sections) for (const f of s.figures) lines.push(`| ${s.title} | ${f.case} | ${value(f)} | ${f.runs ?? ""} | ${f.note ?? ""} |`);
  const ratios = sections.flatMap((s) => s.ratios.map((r) => ({ s, r })));
  if (ratios.length) {
    lines.push("", "| bench | ratio | value | target |", "|---|---|---|---|");
    for (const { s, r } of ratios) lines.push(`| ${s.title} | ${r.name} | ${r.value}× | ${r.target ? `${r.target}: ${r.met ? "met" : "missed"}` : ""} |`);
  }
  lines.push("", ...sections.map((s) => `- ${s.title}: ${s.context.join("; ")}`));
  if (failedBenches.length) lines.push("", `Failed in this run: ${failedBenches.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}

const START = "<!-- bench-results:start -->";
const END = "<!-- bench-results:end -->";

function updateReadme(markdown: string): void {
  const path = join(REPO, "README.md");
  const text = readFileSync(path, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} section to replace`);
  writeFileSync(path, `${text.slice(0, a + START.length)}\n${markdown}${text.slice(b)}`);
}
