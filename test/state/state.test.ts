import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { HostError } from "../../src/errors.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { decide, isNewInstance, loadState, recordRun, shouldRun, type ActionInfo, type RunRecord } from "../../src/state/index.ts";
import { failure } from "../helpers/failure.ts";
import { realHost, tempRoot } from "../plan/helpers.ts";

const BOOT_A = "0f7a3c5e-1111-4b2c-9d8e-aaaaaaaaaaaa";
const BOOT_B = "0f7a3c5e-2222-4b2c-9d8e-bbbbbbbbbbbb";

const hostname: ActionInfo = { name: "hostname", frequency: "per-instance" };
const users: ActionInfo = { name: "users", frequency: "per-instance" };
const motd: ActionInfo = { name: "motd", frequency: "per-boot" };
const network: ActionInfo = { name: "network", frequency: "always" };

function runOf(instanceId: string, bootId: string | null, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    source: { transport: "nocloud", location: "/dev/vdb" },
    instanceId,
    bootId,
    startedAt: Date.UTC(2026, 0, 1, 0, 0, 0),
    finishedAt: Date.UTC(2026, 0, 1, 0, 0, 1, 250),
    actions: [
      { name: "hostname", frequency: "per-instance", result: "ok", ms: 3 },
      { name: "users", frequency: "per-instance", result: "failed", ms: 12, error: "run useradd alice: exited 9" },
      { name: "motd", frequency: "per-boot", result: "ok", ms: 1 },
      { name: "network", frequency: "always", result: "ok", ms: 20 },
    ],
    errors: ["users: run useradd alice: exited 9"],
    ...overrides,
  };
}

const fakeHost = (bootId: string | null = BOOT_A, extra: Record<string, string> = {}) =>
  createFakeHost({ tree: { ...(bootId ? { "/proc/sys/kernel/random/boot_id": `${bootId}\n` } : {}), ...extra } });

describe("state: what is due", () => {
  test("nothing recorded: a new instance, every action due", async () => {
    const host = fakeHost();
    const state = await loadState(host);
    expect(state).toEqual({ instanceId: null, currentBootId: BOOT_A, done: null, boot: null, lastRun: null, warnings: [] });
    expect(isNewInstance(state, "iid-1")).toBe(true);
    expect([hostname, users, motd, network].map((a) => shouldRun(a, state, "iid-1", BOOT_A))).toEqual([true, true, true, true]);
  });

  test("same instance: per-instance actions that succeeded are not due, failed ones are; per-boot by boot id", async () => {
    const host = fakeHost();
    await recordRun(host, await loadState(host), runOf("iid-1", BOOT_A));
    const state = await loadState(host);
    expect(state.instanceId).toBe("iid-1");
    expect(isNewInstance(state, "iid-1")).toBe(false);
    expect(decide(hostname, state, "iid-1", BOOT_A)).toEqual({ run: false, reason: "done for instance iid-1 at 2026-01-01T00:00:01.250Z" });
    expect(decide(users, state, "iid-1", BOOT_A)).toEqual({ run: true, reason: "not done yet for instance iid-1" });
    expect(decide(motd, state, "iid-1", BOOT_A)).toEqual({ run: false, reason: "done in this boot at 2026-01-01T00:00:01.250Z" });
    expect(decide(motd, state, "iid-1", BOOT_B)).toEqual({ run: true, reason: "not done yet in this boot" });
    expect(decide(motd, state, "iid-1", null)).toEqual({ run: true, reason: "no boot id: every run counts as a new boot" });
    expect(shouldRun(network, state, "iid-1", BOOT_A)).toBe(true);
    expect(state.lastRun).toEqual({
      version: 1,
      source: { transport: "nocloud", location: "/dev/vdb" },
      instanceId: "iid-1",
      newInstance: true,
      bootId: BOOT_A,
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:00:01.250Z",
      ms: 1250,
      actions: runOf("iid-1", BOOT_A).actions,
      errors: ["users: run useradd alice: exited 9"],
    });
  });

  test("a later run in the same boot keeps what earlier runs did; a new boot starts afresh", async () => {
    const host = fakeHost();
    await recordRun(host, await loadState(host), runOf("iid-1", BOOT_A));
    const skipped = runOf("iid-1", BOOT_A, { actions: [{ name: "motd", frequency: "per-boot", result: "skipped", ms: 0, reason: "done in this boot" }], errors: [] });
    await recordRun(host, await loadState(host), skipped);
    const state = await loadState(host);
    expect(shouldRun(motd, state, "iid-1", BOOT_A)).toBe(false);
    expect(shouldRun(hostname, state, "iid-1", BOOT_A)).toBe(false);
    expect(state.lastRun?.newInstance).toBe(false);
    await recordRun(host, state, runOf("iid-1", BOOT_B, { actions: [], errors: [] }));
    expect(shouldRun(motd, await loadState(host), "iid-1", BOOT_B)).toBe(true);
  });

  test("a new instance id: per-instance actions are due again; the old instance's record is kept", async () => {
    const host = fakeHost();
    await recordRun(host, await loadState(host), runOf("iid-1", BOOT_A));
    const state = await loadState(host, { instanceId: "iid-2" });
    expect(isNewInstance(state, "iid-2")).toBe(true);
    expect(shouldRun(hostname, state, "iid-2", BOOT_A)).toBe(true);
    await recordRun(host, state, runOf("iid-2", BOOT_A));
    expect((await loadState(host)).instanceId).toBe("iid-2");
    expect(shouldRun(hostname, await loadState(host, { instanceId: "iid-1" }), "iid-1", BOOT_A)).toBe(false);
    expect(Object.keys(host.fs.snapshot()).filter((p) => p.endsWith("done.json")).sort()).toEqual([
      "/var/lib/tether/instances/iid-1/done.json",
      "/var/lib/tether/instances/iid-2/done.json",
    ]);
  });
});

describe("state: damaged records", () => {
  test("corrupted JSON is a warning and treated as absent, never a crash", async () => {
    const host = fakeHost(BOOT_A, {
      "/var/lib/tether/instance-id": "iid-1\n",
      "/var/lib/tether/last-run.json": "{ not json",
      "/var/lib/tether/instances/iid-1/done.json": JSON.stringify({ version: 1, instanceId: "iid-1", actions: { hostname: { result: "maybe", ms: 1, at: "2026-01-01T00:00:00.000Z" } } }),
      "/var/lib/tether/boot.json": JSON.stringify({ version: 2 }),
    });
    const state = await loadState(host);
    expect(state.instanceId).toBe("iid-1");
    expect([state.lastRun, state.done, state.boot]).toEqual([null, null, null]);
    expect(state.warnings).toEqual([
      '/var/lib/tether/instances/iid-1/done.json: actions.hostname.result: Invalid type: Expected "ok" but received "maybe"; treated as absent',
      "/var/lib/tether/boot.json: version: Invalid type: Expected 1 but received 2; treated as absent",
      expect.stringMatching(/^\/var\/lib\/tether\/last-run\.json: not JSON \(.+\); treated as absent$/),
    ]);
    expect(host.logs.filter((l) => l.startsWith("warn [state]"))).toHaveLength(3);
    expect(shouldRun(hostname, state, "iid-1", BOOT_A)).toBe(true);
    // And the next run records over the damage.
    await recordRun(host, state, runOf("iid-1", BOOT_A));
    expect((await loadState(host)).warnings).toEqual([]);
  });

  test("a done.json that names another instance is not trusted", async () => {
    const host = fakeHost(BOOT_A, {
      "/var/lib/tether/instances/iid-1/done.json": JSON.stringify({ version: 1, instanceId: "iid-9", actions: {} }),
    });
    const state = await loadState(host, { instanceId: "iid-1" });
    expect(state.done).toBeNull();
    expect(state.warnings).toEqual(['/var/lib/tether/instances/iid-1/done.json: records instance "iid-9"; treated as absent']);
  });

  test("a path-escaping instance id is refused: read back as absent, never recorded", async () => {
    const host = fakeHost(BOOT_A, { "/var/lib/tether/instance-id": "../../etc\n" });
    const state = await loadState(host);
    expect(state.instanceId).toBeNull();
    expect(state.warnings).toEqual(['/var/lib/tether/instance-id: "../../etc": must not contain white space or slashes; treated as absent']);
    for (const [id, why] of [
      ["../x", "must not contain white space or slashes"],
      ["..", "must not be . or .."],
      ["a b", "must not contain white space or slashes"],
      ["", "expected 1 to 255 characters"],
      ["a\u0000b", "must not contain control characters"],
    ] as const) {
      const error = await failure(recordRun(host, state, runOf(id, BOOT_A)));
      expect(error).toBeInstanceOf(HostError);
      expect(error.message).toBe(`instance id ${JSON.stringify(id)}: ${why}; nothing recorded`);
    }
    expect(Object.keys(host.fs.snapshot()).filter((p) => p.startsWith("/var/lib/tether/") && p !== "/var/lib/tether/instance-id")).toEqual([]);
  });
});

describe("state on a real --root", () => {
  test("files 0600 in directories 0700 (parents 0755), written whole", async () => {
    const root = tempRoot({ "proc/sys/kernel/random/boot_id": `${BOOT_A}\n` });
    const host = await realHost(root);
    const state = await loadState(host);
    expect(state.currentBootId).toBe(BOOT_A);
    await recordRun(host, state, runOf("iid-1", state.currentBootId));
    const dir = join(root, "var/lib/tether");
    const mode = (p: string) => (statSync(join(dir, p)).mode & 0o7777).toString(8);
    expect(readdirSync(dir).sort()).toEqual(["boot.json", "instance-id", "instances", "last-run.json"]);
    expect(["", "instances", "instances/iid-1"].map(mode)).toEqual(["700", "700", "700"]);
    expect(["instance-id", "last-run.json", "boot.json", "instances/iid-1/done.json"].map(mode)).toEqual(["600", "600", "600", "600"]);
    expect((statSync(join(root, "var/lib")).mode & 0o7777).toString(8)).toBe("755");
    expect(readFileSync(join(dir, "instance-id"), "utf8")).toBe("iid-1\n");
    expect(JSON.parse(readFileSync(join(dir, "instances/iid-1/done.json"), "utf8"))).toEqual({
      version: 1,
      instanceId: "iid-1",
      actions: { hostname: { result: "ok", ms: 3, at: "2026-01-01T00:00:01.250Z" } },
    });
  });
});
