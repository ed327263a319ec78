/**
 * kill -9 of a real `agent boot` process at every change it makes to the disk, then `agent boot`
 * again: the machine must end as a clean run leaves it. The kill points come from a clean run's
 * own list (kill-hook.ts numbers them), so a new write in the agent is a new kill point here
 * without editing this file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boot, freshRoot, halfDone, readJsonIn, removeRoots, snapshot, STATE, tempsIn } from "./boot-root.ts";
import { mountTmpfs } from "./tmpfs.ts";

// Roots on a tmpfs: fsync is free there, and a kill -9 leaves the page cache as it is on any disk.
const tmpfs = mountTmpfs("256m");
const parent = tmpfs?.dir ?? tmpdir();
afterAll(() => {
  removeRoots();
  tmpfs?.unmount();
});

interface LastRun {
  instanceId: string;
  actions: { name: string; result: string; reason?: string }[];
  errors: string[];
}
interface Journal {
  state: string;
}

/**
 * By default a kill lands at every change that moves a step on: each rename (a whole file, or the
 * journal, switched in), each content write (cut in half) except the journal's own temp, and each
 * directory change. TETHER_FAULTS_FULL=1 kills before every change, the temp files' create,
 * fchown, fchmod and fsync too (about three times as many boots).
 */
const FULL = process.env.TETHER_FAULTS_FULL === "1";
const chosen = (point: string) => FULL || / (rename|mkdir|chmod|lchown|rm|unlink) /.test(point) || (/ write /.test(point) && !point.endsWith(".journal.json.tether-tmp"));
/** Kill-and-rerun pairs run side by side: each is two short processes that wait on useradd at times. */
const PARALLEL = 4;

let before: Record<string, string>;
let clean: Record<string, string>;
let cleanLastRun: LastRun;
/** "N op path" for every change the clean run made, in order. */
let points: string[] = [];

beforeAll(async () => {
  const root = freshRoot(parent);
  before = snapshot(root);
  const log = join(tmpdir(), `tether-kill-points-${process.pid}.txt`);
  const run = await boot(root, { log });
  points = readFileSync(log, "utf8").trim().split("\n").map((l) => l.replace(root, ""));
  rmSync(log);
  expect(run.code).toBe(0);
  clean = snapshot(root);
  cleanLastRun = readJsonIn<LastRun>(root, `${STATE}/last-run.json`) as LastRun;
}, 30_000);

/** What a kill at `killAt` and one more boot leave, and the differences from the clean run, in words. */
async function killThenBoot(killAt: number): Promise<string[]> {
  const root = freshRoot(parent);
  const problems: string[] = [];
  const killed = await boot(root, { killAt });
  if (killed.signal !== "SIGKILL") problems.push(`not killed: exit ${killed.code}, signal ${killed.signal}: ${killed.stderr.slice(-600)}`);
  // A kill before the journal's first rename leaves none; after it, the journal says "running".
  const left = readJsonIn<Journal>(root, `${STATE}/journal.json`);
  if (left && left.state !== "running" && left.state !== "done") problems.push(`journal left as ${left.state}`);
  // At the moment of the kill: every file as it was or as it will be, never half of one.
  for (const p of halfDone(snapshot(root), before, clean)) problems.push(`right after the kill, ${p}`);

  const again = await boot(root);
  if (again.code !== 0) problems.push(`second boot exited ${again.code}: ${again.stderr.slice(-400)}`);
  if (left?.state === "running" && !again.stderr.includes("was interrupted")) problems.push("the second boot did not say the first was interrupted");
  const tree = snapshot(root);
  for (const path of tempsIn(tree)) problems.push(`temp file left: ${path}`);
  for (const path of new Set([...Object.keys(clean), ...Object.keys(tree)])) {
    if (clean[path] !== tree[path]) problems.push(`${path}: clean ${JSON.stringify(clean[path] ?? "(absent)")}, after the kill ${JSON.stringify(tree[path] ?? "(absent)")}`);
  }
  const journal = readJsonIn<Journal>(root, `${STATE}/journal.json`);
  if (journal?.state !== "done") problems.push(`journal after the second boot: ${journal?.state}`);
  const last = readJsonIn<LastRun>(root, `${STATE}/last-run.json`);
  if (!last) problems.push("no last-run.json after the second boot");
  else {
    if (last.errors.length) problems.push(`last run errors: ${last.errors.join("; ")}`);
    // An action the killed run had recorded as done is skipped for that reason; every other ends as cleanly.
    for (const want of cleanLastRun.actions) {
      const got = last.actions.find((a) => a.name === want.name);
      const fine = got && (got.result === want.result || (got.result === "skipped" && got.reason?.startsWith("done for instance")));
      if (!fine) problems.push(`action ${want.name}: clean ${want.result}, after the kill ${got?.result} (${got?.reason ?? ""})`);
    }
  }
  rmSync(root, { recursive: true, force: true });
  return problems;
}

describe("kill -9 of agent boot (examples/nocloud on a small Debian-like --root)", () => {
  test("the clean run makes enough changes to be worth killing, journaled step by step", () => {
    expect(points.length).toBeGreaterThan(100);
    expect(points.filter((p) => p.endsWith(`rename ${STATE}/.journal.json.tether-tmp`)).length).toBeGreaterThan(15);
    expect(tempsIn(clean)).toEqual([]);
    expect(clean["/etc/hostname.tether-bak"]).toEndWith(" debian\n");
    expect(clean["/etc/hostname"]).toEndWith(" example-web-1\n");
  });

  test("killed before each change in turn, the next boot ends with the clean run's tree and records", async () => {
    const kills = points.map((_, i) => i + 1).filter((n) => chosen(points[n - 1] as string));
    console.log(`kill -9 at ${kills.length} of ${points.length} changes${FULL ? "" : " (TETHER_FAULTS_FULL=1 for all)"}`);
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < kills.length) {
        const killAt = kills[next++] as number;
        const problems = await killThenBoot(killAt);
        if (problems.length) failures.push(`killed before ${points[killAt - 1]}:\n    ${problems.join("\n    ")}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    expect(failures).toEqual([]);
  }, 600_000);
});
