#!/usr/bin/env bun
/**
 * `agent boot --root R` (apply, not a dry run) on the bundled seed — 3 users, 5 files, 2 NICs —
 * each run on a fresh copy of a small Debian-like root, and the dry run beside it (issue #7).
 * Target ≤ 150 ms excluding user scripts (which a --root target keeps rather than runs); reported,
 * never asserted.
 *
 *   bun bench/boot.ts [--runs 20] [--binary dist/agent-linux-x64]
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeTargetRoot } from "../examples/target-root.ts";
import { parseArgs } from "node:util";
import { HEADER, row, summarize, timeCommand } from "./measure.ts";
import { record, timingFigure } from "./results.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" }, binary: { type: "string", default: "dist/agent-linux-x64" } } });
const runs = Number(values.runs);
const binary = resolve(values.binary as string);
if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`);
const seed = resolve(import.meta.dir, "../examples/nocloud");

const work = mkdtempSync(join(tmpdir(), "tether-bench-boot-"));
const template = join(work, "template");
makeTargetRoot(template);

try {
  const samples: number[] = [];
  let failures = 0;
  for (let i = 0; i <= runs; i++) {
    const root = join(work, `run-${i}`);
    cpSync(template, root, { recursive: true });
    const started = performance.now();
    const child = Bun.spawn([binary, "boot", "--seed", seed, "--root", root], { stdout: "ignore", stderr: "pipe" });
    const code = await child.exited;
    const ms = performance.now() - started;
    if (code !== 0) {
      failures++;
      if (failures === 1) console.error(`boot exited ${code}: ${(await new Response(child.stderr).text()).slice(0, 2000)}`);
    }
    if (i > 0) samples.push(ms);
    rmSync(root, { recursive: true, force: true });
  }
  cpSync(template, join(work, "dry"), { recursive: true });
  const dry = await timeCommand([binary, "boot", "--dry-run", "--seed", seed, "--root", join(work, "dry")], runs);
  console.log(HEADER);
  console.log(row("agent boot --root R (apply, fresh root each run)", summarize(samples), `target ≤ 150 ms${failures ? `; ${failures} runs failed` : ""}`));
  console.log(row("agent boot --dry-run --root R", dry));
  record({
    id: "boot",
    title: "Boot",
    context: ["compiled binary; the bundled example seed on a fresh small target root each run (examples/target-root.ts)"],
    figures: [timingFigure("agent boot --root R (apply)", summarize(samples), `target ≤ 150 ms${failures ? `; ${failures} runs failed` : ""}`), timingFigure("agent boot --dry-run --root R", dry)],
    ratios: [],
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
