#!/usr/bin/env bun
/**
 * `npm run bench`: every benchmark, one after another (so that none disturbs another's figures),
 * each printing its own tables as it goes and recording its figures (bench/results.ts); then
 * bench/results.json (every section) and bench/results.md (one table for all). With --readme, the
 * README's table between its bench markers is replaced by this run's.
 *
 *   bun bench/run-all.ts [--readme] [--only probe,qga] [--table-only]
 *
 * Peers come from Debian's packages: scripts/install-test-peers.sh installs what is missing first.
 * A bench that fails is reported and the others still run; the exit code is then 1.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Section } from "./results.ts";
import { tableOf } from "./results-table.ts";

/** Where the README's table goes (the lines between are replaced by --readme). */
const START = "<!-- bench-results:start -->";
const END = "<!-- bench-results:end -->";

/** In the order they run: the cheap start-up figures first, the long idle one last. */
const BENCHES = ["startup", "binaries", "probe", "validate", "network", "boot", "xenstore", "qga", "idle"] as const;

const { values } = parseArgs({ options: { readme: { type: "boolean", default: false }, only: { type: "string" }, "table-only": { type: "boolean", default: false } } });
const REPO = resolve(import.meta.dir, "..");
const only = values.only?.split(",").map((s) => s.trim());
const chosen = BENCHES.filter((b) => !only || only.includes(b));
if (only) for (const name of only) if (!(BENCHES as readonly string[]).includes(name)) throw new Error(`--only ${name}: expected some of ${BENCHES.join(", ")}`);

// --table-only: the table again from the last run's bench/results.json, nothing measured.
if (values["table-only"]) {
  const last = JSON.parse(readFileSync(join(REPO, "bench/results.json"), "utf8")) as { when: string; machine: string; failed: string[]; sections: Section[] };
  const markdown = tableOf(last.sections, last.when, last.machine, last.failed);
  writeFileSync(join(REPO, "bench/results.md"), markdown);
  if (values.readme) updateReadme(markdown);
  process.exit(0);
}

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

function updateReadme(markdown: string): void {
  const path = join(REPO, "README.md");
  const text = readFileSync(path, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} section to replace`);
  writeFileSync(path, `${text.slice(0, a + START.length)}\n${markdown}${text.slice(b)}`);
}
