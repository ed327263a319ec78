#!/usr/bin/env bun
/**
 * `npm start`: the agent's main job, `agent boot --dry-run`, on the bundled NoCloud seed, against a
 * fresh small target root (examples/target-root.ts) so that nothing on this machine is read as the
 * target or changed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeTargetRoot } from "../examples/target-root.ts";

const repo = resolve(import.meta.dir, "..");
const root = mkdtempSync(join(tmpdir(), "tether-start-"));
makeTargetRoot(root);
const argv = ["boot", "--dry-run", "--seed", "examples/nocloud", "--root", root, ...process.argv.slice(2)];
console.error(`$ agent ${argv.join(" ")}\n`);
try {
  const child = Bun.spawn([process.execPath, join(repo, "src/main.ts"), ...argv], { cwd: repo, stdio: ["inherit", "inherit", "inherit"] });
  process.exitCode = await child.exited;
} finally {
  rmSync(root, { recursive: true, force: true });
}
