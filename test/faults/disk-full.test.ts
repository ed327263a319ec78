/**
 * A full disk during `agent boot`: the --root is a small tmpfs, filled to leave 0, 1, 2, … free
 * pages, so the boot runs out of space at each of its writes in turn (the journal's, a backup's, a
 * file's, useradd's, the state records'). At every level: a clear error naming a file, the files
 * the boot did not get to as they were, no temp file left; with the space back, the next boot ends
 * as a clean one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { boot, freshRoot, halfDone, removeRoots, snapshot, tempsIn } from "./boot-root.ts";
import { mountTmpfs, type Tmpfs } from "./tmpfs.ts";

let tmpfs: Tmpfs | null;
let before: Record<string, string>;
let clean: Record<string, string>;
/** Free pages at which a boot first succeeds (-1 until one does): the sweep goes a little past it. */
let enough = -1;

beforeAll(async () => {
  const root = freshRoot();
  before = snapshot(root);
  expect((await boot(root)).code).toBe(0);
  clean = snapshot(root);
  tmpfs = mountTmpfs("1m");
});
afterAll(() => {
  tmpfs?.unmount();
  removeRoots();
});

const PAGE = 4096;
const freePages = (dir: string) => {
  const s = statfsSync(dir);
  return Math.floor((s.bavail * s.bsize) / PAGE);
};

/** A fresh target on the tmpfs, and a filler beside it (outside the root) leaving `free` pages. */
function fullRoot(fs: Tmpfs, free: number): string {
  for (const name of ["root", "filler"]) rmSync(join(fs.dir, name), { recursive: true, force: true });
  const root = join(fs.dir, "root");
  mkdirSync(root);
  makeTargetRoot(root);
  const fill = freePages(fs.dir) - free;
  if (fill > 0) writeFileSync(join(fs.dir, "filler"), new Uint8Array(fill * PAGE));
  return root;
}

describe("disk full during agent boot (a 1 MiB tmpfs as --root, filled to leave N pages)", () => {
  test("at every fill level: a clear error naming a file, nothing half-written; with space back, the next boot converges", async () => {
    if (!tmpfs) throw new Error("could not mount a tmpfs (tests run as root here and in CI)");
    const fs = tmpfs;
    const failures: string[] = [];
    const messages = new Set<string>();
    for (let free = 0; enough < 0 || free <= enough + 3; free++) {
      const root = fullRoot(fs, free);
      const run = await boot(root);
      const tree = snapshot(root);
      const problems = [...tempsIn(tree).map((p) => `temp file left: ${p}`), ...halfDone(tree, before, clean)];
      if (run.code === 0) {
        if (enough < 0) enough = free;
      } else {
        // What the operator reads must say why, and about which file
        // (an `agent:` line when even the journal or the record could not be written, else the failed action's line).
        const said = run.stderr.trim().split("\n").filter((l) => l.startsWith("agent: ")).pop() ?? run.stdout.split("\n").find((l) => l.startsWith("failed ")) ?? "";
        messages.add(said.replaceAll(root, "ROOT").replace(/\(\d+ ms\)/, "(N ms)").replace(/\/instances\/[^/]+\//, "/instances/ID/"));
        if (run.code !== 1) problems.push(`exit ${run.code}, expected 1`);
        if (!/(no space left on device|useradd: )/.test(said) || !/ \/(etc|var|home)\/\S/.test(said)) problems.push(`unclear error: ${JSON.stringify(said || run.stderr.slice(-300))}`);
      }
      rmSync(join(fs.dir, "filler"), { force: true });
      const again = await boot(root);
      if (again.code !== 0) problems.push(`with space back, boot exited ${again.code}: ${again.stderr.slice(-300)}`);
      const after = snapshot(root);
      for (const path of new Set([...Object.keys(clean), ...Object.keys(after)])) {
        if (clean[path] !== after[path]) problems.push(`with space back, ${path}: ${JSON.stringify(after[path] ?? "(absent)")}, a clean run's ${JSON.stringify(clean[path] ?? "(absent)")}`);
      }
      if (problems.length) failures.push(`${free} page(s) free (first boot exit ${run.code}):\n    ${problems.join("\n    ")}`);
      if (enough < 0 && free > 200) throw new Error("no fill level let the boot finish");
    }
    console.log(`disk full: ${enough + 4} fill levels, the boot first finishes with ${enough} free pages; errors seen:\n  ${[...messages].join("\n  ")}`);
    expect(failures).toEqual([]);
    // The sweep reached the state records too (the last writes a boot makes), not only the first file.
    expect([...messages].some((m) => m.includes("/var/lib/tether/"))).toBe(true);
    expect([...messages].some((m) => m.includes("/etc/"))).toBe(true);
  }, 300_000);
});
