import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";
import { chpasswdRuns, gatedChpasswd, pathWith, spawnAgent, targetRoot, tempDirs, until, writeTree, type SpawnedAgent } from "./rig.ts";

/**
 * Two `agent boot` on one root, as systemd's unit and an operator's run by hand: the later one
 * waits for the earlier (saying whom it waits for), then finds the work done. Every applying run
 * sets a password, so a fake chpasswd (gatedChpasswd) holds each run inside its apply for as long
 * as a test wants and logs when: any two runs that overlap show there.
 */
const temps = tempDirs();
const started: SpawnedAgent[] = [];
const gates: string[] = [];
afterEach(() => {
  // An orphaned fake chpasswd (its boot killed) ends once its gate opens.
  for (const gate of gates.splice(0)) writeFileSync(gate, "");
  for (const run of started.splice(0)) run.proc.kill("SIGKILL");
});
afterAll(temps.cleanup);

function seed(dir: string, id: string, hostname = id): string {
  return writeTree(dir, { "meta-data": `instance-id: ${id}\nlocal-hostname: ${hostname}\n`, "user-data": "#cloud-config\nchpasswd: {expire: false, users: [{name: root, type: text, password: lock-test}]}\n" });
}

function rig() {
  const dir = temps.make();
  const fake = gatedChpasswd(dir);
  gates.push(fake.gate);
  const root = targetRoot(join(dir, "root"));
  const boot = (seedDir: string, extra: string[] = []) => {
    const run = spawnAgent(["boot", "--seed", seedDir, "--root", root, ...extra], { PATH: pathWith(fake.bin) });
    started.push(run);
    return run;
  };
  return { dir, root, fake, boot, runs: () => chpasswdRuns(fake.log) };
}

/** No two chpasswd runs overlap: each ended before the next began. */
function expectSerial(runs: ReturnType<typeof chpasswdRuns>): void {
  for (const [i, run] of runs.entries()) {
    expect(run.end).not.toBeNull();
    const next = runs[i + 1];
    if (next) expect(next.start > (run.end as bigint)).toBe(true);
  }
}

/** The records after a race: all JSON, one run's and the same run's everywhere. */
function expectConsistent(root: string, instanceId: string): void {
  const read = (path: string) => JSON.parse(readFileSync(join(root, "var/lib/tether", path), "utf8"));
  const lastRun = read("last-run.json");
  expect(lastRun.instanceId).toBe(instanceId);
  expect(lastRun.errors).toEqual([]);
  expect(readFileSync(join(root, "var/lib/tether/instance-id"), "utf8")).toBe(`${instanceId}\n`);
  expect(read(`instances/${instanceId}/done.json`)).toMatchObject({ instanceId, actions: { passwords: { result: "ok" }, hostname: { result: "ok" } } });
  expect(read("journal.json")).toMatchObject({ state: "done", inProgress: null });
  // Nothing left half-written: no temp files beside the records.
  const left = Bun.spawnSync(["find", join(root, "var/lib/tether"), "-name", "*.tmp*"]).stdout.toString().trim();
  expect(left).toBe("");
}

describe("concurrency: two boots on one root", () => {
  test("the same instance, started together, three rounds: one applies, the other waits for it by name and finds it all done", async () => {
    for (let round = 0; round < 3; round++) {
      const { dir, root, fake, boot, runs } = rig();
      const s = seed(join(dir, "seed"), "iid-race");
      const [a, b] = [boot(s), boot(s)] as [SpawnedAgent, SpawnedAgent];
      await until(() => runs().length === 1, 15_000, "the first boot reaching chpasswd");
      await until(() => [a, b].some((r) => r.stderr().includes("waiting up to")), 15_000, "the other boot waiting for the lock");
      writeFileSync(fake.gate, "");
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect([ra.code, rb.code]).toEqual([0, 0]);
      const waited = [ra, rb].filter((r) => r.stderr.includes("waiting up to"));
      expect(waited.length).toBe(1);
      const [waiter, other] = waited[0] === ra ? [ra, b] : [rb, a];
      expect(waiter.stderr).toContain(`waiting up to 300 s for agent boot of instance iid-race (pid ${other.pid}, since `);
      expect(waiter.stderr).toContain("/run/tether/boot.lock is free after");
      // It planned after the other recorded: the per-instance work was done, so not done twice.
      expect(waiter.stdout).toMatch(/^skip +passwords: done for instance iid-race/m);
      expect(runs().length).toBe(1);
      expectSerial(runs());
      expectConsistent(root, "iid-race");
      // Released: the lock's socket file is gone with the last holder.
      expect(existsSync(join(root, "run/tether/boot.lock"))).toBe(false);
    }
  }, 90_000);

  test("two instances at once: applied one after the other, never interleaved; the records are the later one's", async () => {
    const { dir, root, fake, boot, runs } = rig();
    writeFileSync(fake.gate, "");
    writeFileSync(fake.hold, "0.5");
    const [a, b] = [boot(seed(join(dir, "a"), "iid-a", "host-a")), boot(seed(join(dir, "b"), "iid-b", "host-b"))];
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(runs().length).toBe(2);
    expectSerial(runs());
    const last = JSON.parse(readFileSync(join(root, "var/lib/tether/last-run.json"), "utf8")).instanceId as string;
    expect(["iid-a", "iid-b"]).toContain(last);
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe(last === "iid-a" ? "host-a\n" : "host-b\n");
    expectConsistent(root, last);
    // The earlier one's per-instance record is whole too.
    const first = last === "iid-a" ? "iid-b" : "iid-a";
    expect(JSON.parse(readFileSync(join(root, `var/lib/tether/instances/${first}/done.json`), "utf8"))).toMatchObject({ instanceId: first, actions: { passwords: { result: "ok" } } });
  }, 60_000);

  test("--wait-ms 0 (and a wait that runs out): exit 1 at once, naming the run that holds the lock; nothing of its own done", async () => {
    const { dir, root, fake, boot, runs } = rig();
    const a = boot(seed(join(dir, "a"), "iid-holder"));
    await until(() => runs().length === 1, 15_000, "the holder reaching chpasswd");
    const other = seed(join(dir, "b"), "iid-late");
    for (const wait of ["0", "400"]) {
      const t0 = Date.now();
      const late = await runAgent(["boot", "--seed", other, "--root", root, "--wait-ms", wait], { env: { PATH: pathWith(fake.bin) } });
      expect(late.code).toBe(1);
      expect(late.stderr).toContain(`agent: another run holds /run/tether/boot.lock: agent boot of instance iid-holder (pid ${a.pid}, since `);
      expect(late.stderr).toContain("gave up after");
      expect(late.stderr).toContain("(wait longer with --wait-ms, or let it finish)");
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
    writeFileSync(fake.gate, "");
    expect((await a.done).code).toBe(0);
    expect(runs().length).toBe(1);
    expect(existsSync(join(root, "var/lib/tether/instances/iid-late"))).toBe(false);
    expectConsistent(root, "iid-holder");
    const usage = await runAgent(["boot", "--seed", other, "--root", root, "--wait-ms", "soon"]);
    expect(usage.code).toBe(2);
  }, 60_000);

  test("a boot killed with -9 inside its apply: its lock is left behind and taken over at once; the next run converges", async () => {
    const { dir, root, fake, boot, runs } = rig();
    const s = seed(join(dir, "seed"), "iid-killed");
    const a = boot(s);
    await until(() => runs().length === 1, 15_000, "the boot reaching chpasswd");
    a.proc.kill("SIGKILL");
    await a.done;
    expect(existsSync(join(root, "run/tether/boot.lock"))).toBe(true);
    expect(JSON.parse(readFileSync(join(root, "var/lib/tether/journal.json"), "utf8"))).toMatchObject({ state: "running" });
    writeFileSync(fake.gate, "");
    const t0 = Date.now();
    const next = await runAgent(["boot", "--seed", s, "--root", root, "--wait-ms", "0"], { env: { PATH: pathWith(fake.bin) } });
    expect(next.stderr).not.toContain("waiting up to");
    expect(next.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expectConsistent(root, "iid-killed");
  }, 60_000);

  test("a stale lock and three boots at once: exactly one takes it over, the others wait their turn", async () => {
    const { dir, root, fake, boot, runs } = rig();
    const killed = boot(seed(join(dir, "k"), "iid-k"));
    await until(() => runs().length === 1, 15_000, "the first boot reaching chpasswd");
    killed.proc.kill("SIGKILL");
    await killed.done;
    expect(existsSync(join(root, "run/tether/boot.lock"))).toBe(true);
    writeFileSync(fake.hold, "0.3");
    // The gate stays shut until one racer holds the lock (it is in chpasswd) and both others wait.
    const racers = ["iid-1", "iid-2", "iid-3"].map((id) => boot(seed(join(dir, id), id)));
    await until(() => runs().length === 2, 15_000, "a racer reaching chpasswd");
    await until(() => racers.filter((r) => r.stderr().includes("waiting up to")).length === 2, 15_000, "the two other racers waiting");
    writeFileSync(fake.gate, "");
    const results = await Promise.all(racers.map((r) => r.done));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    // The killed run's chpasswd, then one per racer, none overlapping another racer's.
    const racing = runs().slice(1);
    expect(racing.length).toBe(3);
    expectSerial(racing);
    expect(results.filter((r) => r.stderr.includes("waiting up to")).length).toBe(2);
  }, 60_000);
});
