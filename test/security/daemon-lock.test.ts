import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startDaemon } from "../helpers/daemon-process.ts";
import { connectQga, type QgaClient } from "../helpers/qga-client.ts";
import { runAgent } from "../helpers/run-agent.ts";
import { chpasswdRuns, gatedChpasswd, pathWith, spawnAgent, targetRoot, tempDirs, until, writeTree, type SpawnedAgent } from "./rig.ts";

/**
 * The daemon's tether-apply does what a boot does (plan, apply, record) and so takes boot's lock:
 * a host asking while a boot runs gets its answer once the boot is done, and a boot started while
 * the daemon applies is told who holds it.
 */
const temps = tempDirs();
const procs: Subprocess[] = [];
const clients: QgaClient[] = [];
const gates: string[] = [];
afterEach(() => {
  for (const gate of gates.splice(0)) writeFileSync(gate, "");
  clients.splice(0).forEach((c) => c.close());
  procs.splice(0).forEach((p) => p.kill("SIGKILL"));
});
afterAll(temps.cleanup);

async function rig() {
  const dir = temps.make();
  const fake = gatedChpasswd(dir);
  gates.push(fake.gate);
  const root = targetRoot(join(dir, "root"));
  writeTree(root, {
    "proc/cmdline": "ro ds=nocloud;s=/seed/\n",
    "seed/meta-data": "instance-id: iid-shared\nlocal-hostname: shared-host\n",
    "seed/user-data": "#cloud-config\nchpasswd: {expire: false, users: [{name: root, type: text, password: lock-test}]}\n",
  });
  const env = { PATH: pathWith(fake.bin) };
  const { daemon, stderr } = await startDaemon(["--listen", "unix:/run/qga.sock", "--root", root, "--metadata-url", "http://127.0.0.1:9"], { ready: "serving the QEMU guest agent protocol", env });
  procs.push(daemon);
  const client = await connectQga(join(root, "run/qga.sock"));
  clients.push(client);
  const boot = (extra: string[] = []): SpawnedAgent => {
    const run = spawnAgent(["boot", "--seed", join(root, "seed"), "--root", root, ...extra], env);
    procs.push(run.proc);
    return run;
  };
  return { root, fake, daemon, stderr, client, boot, runs: () => chpasswdRuns(fake.log) };
}

describe("concurrency: boot and the daemon's tether-apply", () => {
  test("tether-apply during a boot waits for it (naming it), then finds the instance done; the records stay one run's", async () => {
    const { root, fake, stderr, client, boot, runs } = await rig();
    const b = boot();
    await until(() => runs().length === 1, 15_000, "the boot reaching chpasswd");
    let answeredAt = 0;
    const reply = client.call("tether-apply").then((r) => ((answeredAt = Date.now()), r));
    await until(() => stderr().includes("waiting up to 60 s for agent boot of instance iid-shared"), 15_000, "the daemon waiting for the lock");
    expect(stderr()).toContain(`(pid ${b.pid}, since `);
    expect(answeredAt).toBe(0);
    const openedAt = Date.now();
    writeFileSync(fake.gate, "");
    const result = await b.done;
    expect(result.code).toBe(0);
    expect(await reply).toMatchObject({ return: { "instance-id": "iid-shared", message: expect.stringContaining("applied instance iid-shared") } });
    // Answered only once the boot's apply could end, and after the lock was free.
    expect(answeredAt).toBeGreaterThanOrEqual(openedAt);
    expect(stderr()).toContain("/run/tether/boot.lock is free after");
    // The boot set the password; the daemon's apply, planned after the boot recorded, did not again.
    expect(runs().length).toBe(1);
    const lastRun = JSON.parse(readFileSync(join(root, "var/lib/tether/last-run.json"), "utf8"));
    expect(lastRun).toMatchObject({ instanceId: "iid-shared", newInstance: false, errors: [] });
    expect(lastRun.actions.find((a: { name: string }) => a.name === "passwords")).toMatchObject({ result: "skipped", reason: expect.stringContaining("done for instance iid-shared") });
    expect(JSON.parse(readFileSync(join(root, "var/lib/tether/journal.json"), "utf8"))).toMatchObject({ state: "done", inProgress: null });
  }, 60_000);

  test("a boot while tether-apply holds the lock: --wait-ms 0 names the daemon's apply; with a wait, it runs after it", async () => {
    const { daemon, fake, client, boot, runs, root } = await rig();
    const reply = client.call("tether-apply");
    await until(() => runs().length === 1, 15_000, "the daemon's apply reaching chpasswd");
    const refused = await runAgent(["boot", "--seed", join(root, "seed"), "--root", root, "--wait-ms", "0"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`agent: another run holds /run/tether/boot.lock: agent daemon's apply of instance iid-shared (pid ${daemon.pid}, since `);
    const later = boot();
    await until(() => later.stderr().includes("waiting up to"), 15_000, "the boot waiting for the daemon's apply");
    writeFileSync(fake.gate, "");
    expect(await reply).toMatchObject({ return: { "instance-id": "iid-shared" } });
    const result = await later.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("waiting up to 300 s for agent daemon's apply of instance iid-shared");
    expect(result.stdout).toMatch(/^skip +passwords: done for instance iid-shared/m);
    expect(runs().length).toBe(1);
  }, 60_000);
});
