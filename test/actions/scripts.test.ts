import { describe, expect, test } from "bun:test";
import { BOOTCMD_TIMEOUT_MS, bootcmdAction, SCRIPT_TIMEOUT_MS, scriptsAction } from "../../src/actions/scripts.ts";
import type { Change } from "../../src/plan/change.ts";
import type { UserScript } from "../../src/userdata/scripts.ts";
import { factsFor, inputsWith, refusal, text } from "./system-fixtures.ts";

const DIR = "/var/lib/tether/instances/i-abc";
const script = (name: string, kind: UserScript["kind"] = "shell", body = "#!/bin/sh\necho hi\n"): UserScript => ({ kind, name, content: text(body) });
const mkdirs = (...extra: string[]): Change[] => [
  { kind: "mkdir", path: "/var/lib/tether/instances", mode: 0o700, reason: "instance state" },
  { kind: "mkdir", path: DIR, mode: 0o700, reason: "instance state" },
  ...extra.map((path): Change => ({ kind: "mkdir", path, mode: 0o700, reason: path.endsWith("/vendor") ? "vendor scripts of this instance" : path.endsWith("boothooks") ? "boothooks of this instance" : "user scripts of this instance" })),
];

describe("scripts (per instance)", () => {
  test("vendor scripts, user scripts, then runcmd: saved 0700, strings through sh -c, lists as argv, with a timeout", () => {
    const inputs = inputsWith({ runcmd: ["echo one > /tmp/x", ["touch", "/tmp/a b"], null] }, { scripts: [script("setup.sh")], vendorScripts: [script("part-001")] });
    const run = (argv: string[], reason: string): Change => ({ kind: "run", argv, timeoutMs: SCRIPT_TIMEOUT_MS, reason });
    expect(scriptsAction.plan(inputs, factsFor("debian"))).toEqual([
      ...mkdirs(`${DIR}/scripts`, `${DIR}/scripts/vendor`),
      { kind: "write", path: `${DIR}/scripts/vendor/part-001`, content: text("#!/bin/sh\necho hi\n"), mode: 0o700, reason: 'vendor-data script "part-001"' },
      { kind: "write", path: `${DIR}/scripts/setup.sh`, content: text("#!/bin/sh\necho hi\n"), mode: 0o700, reason: 'user-data script "setup.sh"' },
      run([`${DIR}/scripts/vendor/part-001`], 'vendor-data script "part-001"'),
      run([`${DIR}/scripts/setup.sh`], 'user-data script "setup.sh"'),
      run(["/bin/sh", "-c", "echo one > /tmp/x"], "runcmd[0]"),
      run(["touch", "/tmp/a b"], "runcmd[1]"),
    ]);
    expect(scriptsAction.frequency).toBe("per-instance");
    expect(scriptsAction.deferredWhenOffline).toBe(true);
  });

  test("offline: saved and said to be kept; nothing runs", () => {
    const inputs = inputsWith({ runcmd: ["reboot"] }, { scripts: [script("a.sh")] });
    const facts = factsFor("debian", { offline: true });
    expect(scriptsAction.plan(inputs, facts)).toEqual([
      ...mkdirs(`${DIR}/scripts`),
      { kind: "write", path: `${DIR}/scripts/a.sh`, content: text("#!/bin/sh\necho hi\n"), mode: 0o700, reason: `user-data script "a.sh", kept for the target's first boot (not run under --root)` },
    ]);
    expect(scriptsAction.notes?.(inputs, facts)).toEqual(["scripts: 1 script(s) and 1 runcmd command(s) not run under --root; kept for the target's first boot"]);
    expect(scriptsAction.plan(inputsWith({ runcmd: ["true"] }), facts)).toEqual([]);
  });

  test("Windows scripts are skipped with a note, not an error; names made safe and unique", () => {
    const inputs = inputsWith({}, { scripts: [script("win.ps1", "ps1"), script("../../etc/cron.d/x"), script("same"), script("same"), script("vendor"), script(".hidden")] });
    const changes = scriptsAction.plan(inputs, factsFor("debian"));
    expect(changes.filter((c) => c.kind === "write").map((c) => (c.kind === "write" ? c.path.slice(DIR.length) : ""))).toEqual([
      "/scripts/_._.._etc_cron.d_x",
      "/scripts/same",
      "/scripts/same-2",
      "/scripts/vendor-2",
      "/scripts/_hidden",
    ]);
    expect(scriptsAction.notes?.(inputs, factsFor("debian"))).toEqual(['user-data script "win.ps1" (ps1) is for Windows: not run on Linux']);
  });

  test("an instance id that cannot name a directory is refused", () => {
    expect(refusal(() => scriptsAction.plan(inputsWith({}, { scripts: [script("a")], data: { instanceId: ".." } }), factsFor("debian"))).paths).toEqual(["instance-id"]);
  });
});

describe("bootcmd (per boot)", () => {
  test("boothooks then bootcmd, each with INSTANCE_ID, the shorter timeout", () => {
    const inputs = inputsWith({ bootcmd: ["echo $INSTANCE_ID > /run/id", ["mkdir", "-p", "/run/x"]] }, { scripts: [script("hook", "boothook", "echo early\n")] });
    const run = (argv: string[], reason: string): Change => ({ kind: "run", argv: ["env", "INSTANCE_ID=i-abc", ...argv], timeoutMs: BOOTCMD_TIMEOUT_MS, reason });
    expect(bootcmdAction.plan(inputs, factsFor("debian"))).toEqual([
      ...mkdirs(`${DIR}/boothooks`),
      { kind: "write", path: `${DIR}/boothooks/hook`, content: text("echo early\n"), mode: 0o700, reason: 'boothook "hook"' },
      run([`${DIR}/boothooks/hook`], 'boothook "hook"'),
      run(["/bin/sh", "-c", "echo $INSTANCE_ID > /run/id"], "bootcmd[0]"),
      run(["mkdir", "-p", "/run/x"], "bootcmd[1]"),
    ]);
    expect(bootcmdAction.frequency).toBe("per-boot");
  });

  test("offline: nothing runs, a note says so", () => {
    const inputs = inputsWith({ bootcmd: ["true"] });
    expect(bootcmdAction.plan(inputs, factsFor("debian", { offline: true }))).toEqual([]);
    expect(bootcmdAction.notes?.(inputs, factsFor("debian", { offline: true }))).toEqual(["bootcmd: 1 command(s) not run under --root; they run at every boot of the target"]);
  });
});
