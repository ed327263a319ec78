import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatStatus, statusView } from "../../src/commands/status.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { loadState, recordRun, type RunRecord } from "../../src/state/index.ts";
import { runAgent } from "../helpers/run-agent.ts";
import { realHost, tempRoot } from "../plan/helpers.ts";

const BOOT = "6a1c2f70-0000-4000-8000-000000000001";

const RUN: RunRecord = {
  source: { transport: "config-drive", location: "/dev/sr0" },
  instanceId: "iid-42",
  bootId: BOOT,
  startedAt: Date.UTC(2026, 2, 1, 8, 0, 0),
  finishedAt: Date.UTC(2026, 2, 1, 8, 0, 0, 87),
  actions: [
    { name: "hostname", frequency: "per-instance", result: "ok", ms: 4 },
    { name: "users", frequency: "per-instance", result: "failed", ms: 31, error: "run useradd alice: exited 9: useradd: user 'alice' already exists" },
    { name: "motd", frequency: "per-boot", result: "skipped", ms: 0, reason: "done in this boot" },
  ],
  errors: ["users: run useradd alice: exited 9: useradd: user 'alice' already exists"],
};

async function rootWithRun(bootNow: string): Promise<string> {
  const root = tempRoot({ "proc/sys/kernel/random/boot_id": `${bootNow}\n` });
  const host = await realHost(root);
  await recordRun(host, await loadState(host), RUN);
  return root;
}

describe("agent status", () => {
  test("no state yet: says so, exit 0; --json the same as an object", async () => {
    const root = tempRoot();
    const run = await runAgent(["status", "--root", root]);
    expect(run).toEqual({ code: 0, stdout: "no boot has run yet\n", stderr: "" });
    const json = await runAgent(["status", "--root", root, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ lastRun: null, thisBoot: null, interruptedApply: null, warnings: [], message: "no boot has run yet" });
  });

  test("the last run: source, instance, each action's result and ms, errors", async () => {
    const root = await rootWithRun(BOOT);
    const run = await runAgent(["status", "--root", root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        "last run  2026-03-01T08:00:00.000Z, 87 ms, this boot",
        "source    config-drive /dev/sr0",
        "instance  iid-42 (new instance at that run)",
        "result    failed",
        "actions",
        "  hostname  ok       4 ms",
        "  users     failed   31 ms  run useradd alice: exited 9: useradd: user 'alice' already exists",
        "  motd      skipped  0 ms   done in this boot",
        "errors",
        "  users: run useradd alice: exited 9: useradd: user 'alice' already exists",
        "",
      ].join("\n"),
    );
    const json = JSON.parse((await runAgent(["status", "--root", root, "--json"])).stdout);
    expect(json).toEqual({
      lastRun: {
        version: 1,
        source: RUN.source,
        instanceId: "iid-42",
        newInstance: true,
        bootId: BOOT,
        startedAt: "2026-03-01T08:00:00.000Z",
        finishedAt: "2026-03-01T08:00:00.087Z",
        ms: 87,
        actions: RUN.actions,
        errors: RUN.errors,
      },
      thisBoot: true,
      interruptedApply: null,
      warnings: [],
    });
  });

  test("a run from an earlier boot, an interrupted apply and a damaged record are all said", async () => {
    const root = await rootWithRun("6a1c2f70-0000-4000-8000-000000000002");
    const journal = {
      version: 1,
      planId: "b".repeat(64),
      instanceId: "iid-42",
      state: "running",
      startedAt: "2026-03-01T09:00:00.000Z",
      finishedAt: null,
      total: 5,
      done: [{ index: 0, action: "hostname", kind: "write", target: "/etc/hostname", status: "ok", ms: 1 }],
      inProgress: { index: 1, action: "users", kind: "run", target: "useradd -m alice", startedAt: "2026-03-01T09:00:00.002Z" },
    };
    writeFileSync(join(root, "var/lib/tether/journal.json"), JSON.stringify(journal));
    writeFileSync(join(root, "var/lib/tether/boot.json"), "null");
    const run = await runAgent(["status", "--root", root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toStartWith("last run  2026-03-01T08:00:00.000Z, 87 ms, an earlier boot\n");
    expect(run.stdout).toEndWith(
      [
        "interrupted apply: plan bbbbbbbbbbbb started 2026-03-01T09:00:00.000Z stopped after 1 of 5 steps, during users: run useradd -m alice; the next boot applies it again",
        "warning: /var/lib/tether/boot.json: Invalid type: Expected Object but received null; treated as absent",
        "",
      ].join("\n"),
    );
  });

  test("a corrupted last-run.json: a warning, and treated as no run", async () => {
    const host = createFakeHost({ tree: { "/var/lib/tether/last-run.json": '{"version": 1}' } });
    const view = await statusView(host);
    expect(view.lastRun).toBeNull();
    expect(formatStatus(view)).toBe("no boot has run yet\nwarning: /var/lib/tether/last-run.json: source: Invalid key: Expected \"source\" but received undefined; treated as absent\n");
  });
});
