import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BootInputs } from "../../src/actions/inputs.ts";
import { prepareInputs } from "../../src/actions/inputs.ts";
import { planBoot } from "../../src/actions/plan-boot.ts";
import { bootcmdAction, scriptsAction } from "../../src/actions/scripts.ts";
import type { Action, OsFacts } from "../../src/actions/types.ts";
import { applyBoot, type BootPlan } from "../../src/boot/run-boot.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealFs } from "../../src/host/real-fs.ts";
import { RUN_PIPE_GRACE_MS } from "../../src/host/real-run.ts";
import { createRealHost } from "../../src/host/real.ts";
import { LINUX_BACKEND } from "../../src/os/backend.ts";
import { gatherFacts } from "../../src/os/linux/facts.ts";
import type { Change } from "../../src/plan/change.ts";
import { loadState } from "../../src/state/index.ts";
import { readNocloudSeed, treeSeed } from "../../src/transports/nocloud/read-seed.ts";
import { runAgent } from "../helpers/run-agent.ts";
import { type Case, cleanCases, CLEANUP_MS, outsideOf, userDataCase } from "./rig.ts";

/**
 * Scripts that never end, and commands that leave a daemon behind. Scripts are never run for a
 * --root target (they are kept for its first boot), so these boots plan bootcmd and scripts as for
 * the running system, with only those two actions due: nothing else can touch this machine. Two
 * shims, both about where the test runs, not what the agent does: the 30-minute limit is cut to
 * LIMIT_MS, and a saved script runs from its place in the test's root.
 */
const LIMIT_MS = 1500;
const pidsToReap: number[] = [];
afterEach(() => {
  // Daemons a test left running by design (a bootcmd's daemon outlives it, as under cloud-init).
  for (const pid of pidsToReap.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});
afterAll(cleanCases, CLEANUP_MS);

/** Alive and not a zombie: a killed child of a reaper-less PID 1 lingers as Z, which is dead. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function untilDead(pids: number[], ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  while (pids.some(alive) && performance.now() < deadline) await Bun.sleep(20);
  return pids.filter(alive);
}

const pidsIn = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number) : []);

/** Boots the case's seed with only bootcmd and scripts due, applied for real; returns the result, the log and the time taken. */
async function scriptBoot(c: Case) {
  const logs: string[] = [];
  const log = createLogger({ level: "debug", json: true, write: (l) => void logs.push(l) });
  const host = await createRealHost({ root: c.root, log });
  const inputs: BootInputs = await prepareInputs(await readNocloudSeed(treeSeed(createRealFs(c.seed), c.seed)), []);
  const actions = [bootcmdAction, scriptsAction] as Action<OsFacts>[];
  const facts: OsFacts = { ...(await gatherFacts(host, inputs, actions)), offline: false };
  const plan = planBoot(actions, inputs, facts);
  const shim = (change: Change): Change => {
    if (change.kind !== "run") return change;
    const [first = "", ...rest] = change.argv;
    const argv = first.startsWith("/var/lib/tether/") ? [join(c.root, first), ...rest] : change.argv;
    return { ...change, argv, timeoutMs: LIMIT_MS };
  };
  plan.steps = plan.steps.map((s) => ({ ...s, changes: s.changes.map(shim) }));
  const boot: BootPlan = {
    plan,
    decisions: actions.map((a) => ({ action: a.name, run: true, reason: "new instance" })),
    state: await loadState(host, { instanceId: inputs.data.instanceId }),
    bootId: null,
    due: actions,
    notes: [],
    offline: false,
    backend: { ...LINUX_BACKEND, actions },
    target: "test",
  };
  const started = performance.now();
  const result = await applyBoot(host, inputs, boot, log);
  const ms = performance.now() - started;
  if (process.env.HOSTILE_FIGURES) console.log(`figure: scripts boot in ${Math.round(ms)} ms, rss ${Math.round(process.memoryUsage().rss / (1 << 20))} MiB: ${result.steps.filter((s) => s.kind === "run").map((s) => `${s.status} (${s.message})`).join("; ")}`);
  return { result, logs: logs.join(""), ms };
}

describe("a user-data script that never ends", () => {
  test("killed at its limit with every process it started (its process group); failed in the result, the log and agent status", async () => {
    const c = userDataCase(""); // replaced below: the script names the case's paths
    const pids = join(c.root, "tmp/pids");
    c.seedFiles({
      "user-data": [
        "#!/bin/sh",
        // It ignores SIGTERM, starts children and grandchildren that hold its output, then spins.
        "trap '' TERM INT HUP",
        `echo $$ >> ${pids}`,
        `sleep 1000 & echo $! >> ${pids}`,
        `(trap '' TERM; sleep 1000 & echo $! >> ${pids}; while :; do sleep 1; done) & echo $! >> ${pids}`,
        "while :; do :; done",
        "",
      ].join("\n"),
    });
    const outside = outsideOf(c);
    const { result, logs, ms } = await scriptBoot(c);
    const started = pidsIn(pids);
    pidsToReap.push(...started);
    expect(started.length).toBe(4);
    // every one of them is gone: nothing of the script outlives its limit
    expect(await untilDead(started, 2000)).toEqual([]);
    const step = result.steps.find((s) => s.action === "scripts" && s.kind === "run");
    expect(step).toMatchObject({ status: "failed", message: `killed after ${LIMIT_MS} ms (its time limit)`, run: { timedOut: true } });
    // within its limit and the pipes' grace, never the script's own 1000 s
    expect(ms).toBeLessThan(LIMIT_MS + RUN_PIPE_GRACE_MS + 3000);
    expect(result.ok).toBe(false);
    expect(logs).toContain(`killed after ${LIMIT_MS} ms (its time limit)`);
    expect(logs).toContain('"level":"error"');
    // and recorded: agent status shows the action failed, with why
    const status = await runAgent(["status", "--root", c.root, "--json"]);
    const scripts = JSON.parse(status.stdout).lastRun.actions.find((a: { name: string }) => a.name === "scripts");
    expect(scripts).toMatchObject({ result: "failed" });
    expect(scripts.error).toContain(`killed after ${LIMIT_MS} ms (its time limit)`);
    expect(outsideOf(c)).toEqual(outside);
  }, 20_000);

  test("a flood of output (yes) for its whole limit: killed, only the end kept, the agent's memory unharmed", async () => {
    const c = userDataCase("#cloud-config\nruncmd:\n  - yes flooding-the-pipe-flooding-the-pipe-flooding-the-pipe\n");
    const before = process.memoryUsage().rss;
    const { result } = await scriptBoot(c);
    const step = result.steps.find((s) => s.kind === "run");
    expect(step?.status).toBe("failed");
    expect(step?.run?.timedOut).toBe(true);
    // apply keeps the last 16 KiB of a program's output in the result
    expect(step?.run?.stdout.length).toBeLessThan(17 * 1024);
    expect(step?.run?.stdout).toMatch(/^\[…\d+ characters cut\]/);
    // Unbounded, 1.5 s of `yes` is gigabytes of strings; bounded, a few MiB of garbage.
    expect(process.memoryUsage().rss - before).toBeLessThan(512 << 20);
  }, 20_000);
});

describe("a bootcmd that forks a daemon that outlives it", () => {
  test("holding the command's output: the boot waits its grace, not for ever; the step says so; the daemon lives on, as under cloud-init", async () => {
    const c = userDataCase("");
    const pids = join(c.root, "tmp/pids");
    c.seedFiles({ "user-data": `#cloud-config\nbootcmd:\n  - sleep 1000 & echo $! >> ${pids}\nruncmd:\n  - [/bin/true]\n` });
    const { result, ms } = await scriptBoot(c);
    const [daemon] = pidsIn(pids) as [number];
    pidsToReap.push(daemon);
    const step = result.steps.find((s) => s.action === "bootcmd" && s.kind === "run");
    expect(step).toMatchObject({ status: "ok", message: "exited 0; a process it started still runs and holds its output: not waited for" });
    expect(ms).toBeGreaterThanOrEqual(RUN_PIPE_GRACE_MS - 100);
    expect(ms).toBeLessThan(RUN_PIPE_GRACE_MS + 3000);
    // the rest of the boot ran
    expect(result.steps.find((s) => s.action === "scripts")?.status).toBe("ok");
    expect(result.ok).toBe(true);
    expect(alive(daemon)).toBe(true);
  }, 20_000);

  test("with its output sent elsewhere (nohup … &): nothing to wait for, plain exit 0", async () => {
    const c = userDataCase("");
    const pids = join(c.root, "tmp/pids");
    c.seedFiles({ "user-data": `#cloud-config\nbootcmd:\n  - nohup sleep 1000 >/dev/null 2>&1 & echo $! >> ${pids}\n` });
    const { result, ms } = await scriptBoot(c);
    pidsToReap.push(...pidsIn(pids));
    expect(result.steps.find((s) => s.kind === "run")).toMatchObject({ status: "ok", message: "exited 0" });
    expect(ms).toBeLessThan(RUN_PIPE_GRACE_MS);
  }, 20_000);

  test("a daemon that left the process group (setsid) and holds the output: the timeout cannot kill it, but the boot still ends", async () => {
    const c = userDataCase("");
    const pids = join(c.root, "tmp/pids");
    c.seedFiles({ "user-data": `#cloud-config\nruncmd:\n  - setsid sh -c 'echo $$ >> ${pids}; exec sleep 1000' & sleep 1000\n` });
    const { result, ms } = await scriptBoot(c);
    const escaped = pidsIn(pids);
    pidsToReap.push(...escaped);
    expect(result.steps.find((s) => s.kind === "run")).toMatchObject({ status: "failed", message: `killed after ${LIMIT_MS} ms (its time limit)` });
    expect(ms).toBeLessThan(LIMIT_MS + RUN_PIPE_GRACE_MS + 3000);
    // Documented limit: a new session is out of reach of a process-group kill (systemd's cgroup is not).
    expect(escaped.length).toBe(1);
  }, 20_000);
});
