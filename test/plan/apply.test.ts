import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { createFakeHost, type FakeProgram } from "../../src/host/fake.ts";
import type { Host } from "../../src/host/types.ts";
import { Secret } from "../../src/model/secret.ts";
import { actionOutcomes, applyPlan, planIdOf } from "../../src/plan/apply.ts";
import { diffPlan, planJson } from "../../src/plan/diff.ts";
import { plan, realHost, tempDir, tempRoot } from "./helpers.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001:Alice:/home/alice:/bin/bash\n";
const GROUP = "root:x:0:\nstaff:x:50:alice\nalice:x:1001:\n";
const SHADOW_LINE = "alice:$6$salt$Zm9vYmFyYmF6cXV4c2VjcmV0aGFzaA:19000:0:99999:7:::\n";

const mode = (p: string) => statSync(p).mode & 0o7777;
const read = (p: string) => readFileSync(p, "utf8");
const tempsIn = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".tether-tmp"));

describe("applyPlan on a real --root", () => {
  test("a new file: created with its mode, no backup, no temp; the journal says done (dir 0700, file 0600)", async () => {
    const root = tempRoot({ "etc/.keep": "" });
    const host = await realHost(root);
    const p = plan([["hostname", [{ kind: "write", path: "/etc/hostname", content: "web-1\n", mode: 0o644, reason: "hostname from meta-data" }]]]);
    const result = await applyPlan(host, p);
    expect(result.ok).toBe(true);
    expect(result.steps).toEqual([{ index: 0, action: "hostname", kind: "write", target: "/etc/hostname", status: "ok", message: "created", ms: expect.any(Number) }]);
    expect(read(join(root, "etc/hostname"))).toBe("web-1\n");
    expect(mode(join(root, "etc/hostname"))).toBe(0o644);
    expect(readdirSync(join(root, "etc")).sort()).toEqual([".keep", "hostname"]);
    expect(mode(join(root, "var/lib/tether"))).toBe(0o700);
    expect(mode(join(root, "var/lib"))).toBe(0o755);
    expect(mode(join(root, "var/lib/tether/journal.json"))).toBe(0o600);
    const journal = JSON.parse(read(join(root, "var/lib/tether/journal.json")));
    expect(journal).toMatchObject({ version: 1, planId: planIdOf(p), instanceId: "iid-1", state: "done", total: 1, inProgress: null });
    expect(journal.done).toEqual([{ index: 0, action: "hostname", kind: "write", target: "/etc/hostname", status: "ok", ms: expect.any(Number), message: "created" }]);
  });

  test("a changed file: replaced, the old content kept as .tether-bak with the old mode", async () => {
    const root = tempRoot({ "etc/hosts": "127.0.0.1 localhost\n" });
    const host = await realHost(root);
    const p = plan([["hosts", [{ kind: "write", path: "/etc/hosts", content: "127.0.0.1 localhost\n127.0.1.1 web-1\n", mode: 0o644, reason: "" }]]]);
    const result = await applyPlan(host, p);
    expect(result.steps[0]).toMatchObject({ status: "ok", message: "replaced, previous version kept as /etc/hosts.tether-bak" });
    expect(read(join(root, "etc/hosts"))).toBe("127.0.0.1 localhost\n127.0.1.1 web-1\n");
    expect(read(join(root, "etc/hosts.tether-bak"))).toBe("127.0.0.1 localhost\n");
    expect(mode(join(root, "etc/hosts.tether-bak"))).toBe(0o644);
    expect(tempsIn(join(root, "etc"))).toEqual([]);
  });

  test("an unchanged file is not touched: same mtime, same inode, no backup", async () => {
    const root = tempRoot({ "etc/hostname": "web-1\n" });
    const file = join(root, "etc/hostname");
    chmodSync(file, 0o644);
    utimesSync(file, new Date("2020-01-01T00:00:00Z"), new Date("2020-01-01T00:00:00Z"));
    const before = statSync(file);
    const host = await realHost(root);
    const p = plan([["hostname", [{ kind: "write", path: "/etc/hostname", content: "web-1\n", mode: 0o644, owner: { user: "root", group: "root" }, reason: "" }]]]);
    const result = await applyPlan(host, p);
    expect(result.steps.map((s) => s.status)).toEqual(["skipped-unchanged"]);
    const after = statSync(file);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expect(existsSync(`${file}.tether-bak`)).toBe(false);
  });

  test("mode and owner by name from the root's own /etc/passwd and /etc/group", async () => {
    const root = tempRoot({ "etc/passwd": PASSWD, "etc/group": GROUP, "srv/app.conf": "same\n" });
    const host = await realHost(root);
    const p = plan([
      [
        "files",
        [
          { kind: "write", path: "/srv/new.conf", content: "x=1\n", mode: 0o640, owner: { user: "alice", group: "staff" }, reason: "" },
          { kind: "write", path: "/srv/app.conf", content: "same\n", mode: 0o600, owner: { user: "alice", group: "alice" }, reason: "" },
        ],
      ],
    ]);
    const inode = statSync(join(root, "srv/app.conf")).ino;
    const result = await applyPlan(host, p);
    expect(result.steps.map((s) => [s.status, s.message])).toEqual([
      ["ok", "created"],
      ["ok", "owner root:root -> alice:alice, mode 0644 -> 0600"],
    ]);
    const created = statSync(join(root, "srv/new.conf"));
    expect([created.uid, created.gid, created.mode & 0o7777]).toEqual([1001, 50, 0o640]);
    const fixed = statSync(join(root, "srv/app.conf"));
    // Content unchanged: fixed in place, so no backup and the same inode.
    expect([fixed.uid, fixed.gid, fixed.mode & 0o7777, fixed.ino]).toEqual([1001, 1001, 0o600, inode]);
    expect(existsSync(join(root, "srv/app.conf.tether-bak"))).toBe(false);
  });

  test("an unknown user fails that step with a clear message; later steps do not run", async () => {
    const root = tempRoot({ "etc/passwd": PASSWD, "etc/group": GROUP });
    const host = await realHost(root);
    const p = plan([
      ["ssh-keys", [{ kind: "write", path: "/etc/keys", content: "k\n", mode: 0o600, owner: { user: "bob", group: "staff" }, reason: "" }]],
      ["motd", [{ kind: "write", path: "/etc/motd", content: "hi\n", mode: 0o644, reason: "" }]],
    ]);
    const result = await applyPlan(host, p);
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => [s.status, s.message ?? null])).toEqual([
      ["failed", 'unknown user "bob": not in the target\'s /etc/passwd'],
      ["not-run", null],
    ]);
    expect(existsSync(join(root, "etc/keys"))).toBe(false);
    expect(existsSync(join(root, "etc/motd"))).toBe(false);
    expect(JSON.parse(read(join(root, "var/lib/tether/journal.json"))).state).toBe("failed");
    expect(actionOutcomes(result)).toEqual([
      { action: "ssh-keys", result: "failed", ms: expect.any(Number), error: 'write /etc/keys: unknown user "bob": not in the target\'s /etc/passwd' },
      { action: "motd", result: "not-run", ms: 0 },
    ]);
  });

  test("a secret write: 0600, and its content is in no diff, no journal, no plan JSON, no log line", async () => {
    const root = tempRoot({ "etc/shadow": "root:*:19000:0:99999:7:::\n" });
    const host = await realHost(root);
    const p = plan([["password", [{ kind: "write", path: "/etc/shadow", content: new Secret(`root:*:19000:0:99999:7:::\n${SHADOW_LINE}`), mode: 0o600, reason: "password for alice" }]]]);
    const diff = await diffPlan(host, p);
    const result = await applyPlan(host, p);
    expect(result.ok).toBe(true);
    expect(read(join(root, "etc/shadow"))).toBe(`root:*:19000:0:99999:7:::\n${SHADOW_LINE}`);
    expect(mode(join(root, "etc/shadow"))).toBe(0o600);
    const journal = read(join(root, "var/lib/tether/journal.json"));
    const everything = [diff.text, journal, JSON.stringify(planJson(p)), JSON.stringify(result), host.logs.join("")].join("\n");
    expect(host.logs.length).toBeGreaterThan(0);
    expect(everything).not.toContain("Zm9vYmFyYmF6cXV4c2VjcmV0aGFzaA");
    expect(everything).not.toContain("alice:");
    expect(diff.text).toContain("  content (secret: 90 bytes, not shown)");
  });

  test("a failing run: exit code and stderr in the result; later steps are not run", async () => {
    const root = tempRoot({ "etc/.keep": "" });
    const host = await realHost(root);
    const p = plan([
      ["scripts", [{ kind: "run", argv: ["sh", "-c", "echo working; echo 'useradd: user alice exists' >&2; exit 9"], reason: "runcmd" }]],
      ["motd", [{ kind: "write", path: "/etc/motd", content: "hi\n", mode: 0o644, reason: "" }]],
    ]);
    const result = await applyPlan(host, p);
    expect(result.ok).toBe(false);
    expect(result.steps[0]).toMatchObject({
      status: "failed",
      message: "exited 9: useradd: user alice exists",
      run: { code: 9, stdout: "working\n", stderr: "useradd: user alice exists\n", timedOut: false },
    });
    expect(result.steps[1]).toMatchObject({ status: "not-run" });
    expect(existsSync(join(root, "etc/motd"))).toBe(false);
  });

  test("continueOnError lets later steps run after a failed one", async () => {
    const root = tempRoot({ "etc/.keep": "" });
    const host = await realHost(root);
    const p = plan([
      ["scripts", [{ kind: "run", argv: ["false"], reason: "" }]],
      ["motd", [{ kind: "write", path: "/etc/motd", content: "hi\n", mode: 0o644, reason: "" }]],
    ]);
    const result = await applyPlan(host, p, { continueOnError: (step) => step.change.kind === "run" });
    expect(result.steps.map((s) => [s.status, s.message])).toEqual([
      ["failed", "exited 1"],
      ["ok", "created"],
    ]);
    expect(result.ok).toBe(false);
  });

  test("a secret run input reaches the program, and comes back redacted", async () => {
    const root = tempRoot();
    const host = await realHost(root);
    const secret = "alice:$6$salt$c2VjcmV0LWhhc2gtdmFsdWU";
    const p = plan([["password", [{ kind: "run", argv: ["sh", "-c", "read line; echo \"got $line\"; echo \"bad line: $line\" >&2"], input: new Secret(`${secret}\n`), reason: "" }]]]);
    const result = await applyPlan(host, p);
    expect(result.steps[0]?.run).toEqual({ code: 0, stdout: "got [redacted]\n", stderr: "bad line: [redacted]\n", timedOut: false });
    expect(JSON.stringify(result) + host.logs.join("") + read(join(root, "var/lib/tether/journal.json"))).not.toContain("c2VjcmV0LWhhc2gtdmFsdWU");
  });

  test("a write whose directory is missing fails clearly and creates nothing", async () => {
    const root = tempRoot({ "etc/.keep": "" });
    const host = await realHost(root);
    const result = await applyPlan(host, plan([["files", [{ kind: "write", path: "/etc/app/conf.d/a.conf", content: "a\n", mode: 0o644, reason: "" }]]]));
    expect(result.steps[0]).toMatchObject({ status: "failed", message: "the directory /etc/app/conf.d does not exist (the plan must make it first)" });
    expect(existsSync(join(root, "etc/app"))).toBe(false);
  });

  test("a path through a symlink that points outside the root stays inside the root", async () => {
    const outside = tempDir("tether-outside-");
    const root = tempRoot({ "etc/app": { symlink: outside }, "etc/up": { symlink: "../../../../../../../../.." } });
    const host = await realHost(root);
    const write = (path: string) => plan([["files", [{ kind: "write", path, content: "inside\n", mode: 0o644, reason: "" }]]]);

    // The link's target means the root's own `outside` path, which does not exist inside the root yet.
    const missing = await applyPlan(host, write("/etc/app/conf"));
    expect(missing.steps[0]).toMatchObject({ status: "failed", message: `the directory /etc/app does not exist (the plan must make it first)` });
    mkdirSync(join(root, outside), { recursive: true });
    expect((await applyPlan(host, write("/etc/app/conf"))).ok).toBe(true);
    expect(read(join(root, outside, "conf"))).toBe("inside\n");
    // A relative link climbing above the root stops at the root.
    expect((await applyPlan(host, write("/etc/up/top.conf"))).ok).toBe(true);
    expect(read(join(root, "top.conf"))).toBe("inside\n");
    expect(readdirSync(outside)).toEqual([]);
  });

  test("a final symlink is replaced by the file; what it pointed to is untouched and backed up", async () => {
    const root = tempRoot({ "run/resolv.conf": "nameserver 10.0.0.1\n", "etc/resolv.conf": { symlink: "/run/resolv.conf" } });
    const host = await realHost(root);
    const result = await applyPlan(host, plan([["dns", [{ kind: "write", path: "/etc/resolv.conf", content: "nameserver 1.1.1.1\n", mode: 0o644, reason: "" }]]]));
    expect(result.steps[0]).toMatchObject({ status: "ok", message: "replaced, replaced a symlink to /run/resolv.conf, previous version kept as /etc/resolv.conf.tether-bak" });
    expect(lstatSync(join(root, "etc/resolv.conf")).isFile()).toBe(true);
    expect(read(join(root, "etc/resolv.conf"))).toBe("nameserver 1.1.1.1\n");
    expect(read(join(root, "run/resolv.conf"))).toBe("nameserver 10.0.0.1\n");
    expect(read(join(root, "etc/resolv.conf.tether-bak"))).toBe("nameserver 10.0.0.1\n");
  });

  test("mkdir: exact mode whatever the umask, owner by name, parents made 0755; an existing one is fixed in place", async () => {
    const root = tempRoot({ "etc/passwd": PASSWD, "etc/group": GROUP, "srv/data": { dir: true } });
    const host = await realHost(root);
    const p = plan([
      [
        "ssh-keys",
        [
          { kind: "mkdir", path: "/home/alice/.ssh", mode: 0o700, owner: { user: "alice", group: "alice" }, reason: "" },
          { kind: "mkdir", path: "/srv/data", mode: 0o2775, reason: "" },
        ],
      ],
    ]);
    const result = await applyPlan(host, p);
    expect(result.steps.map((s) => [s.status, s.message])).toEqual([
      ["ok", "created"],
      ["ok", "mode 0755 -> 2775"],
    ]);
    const ssh = statSync(join(root, "home/alice/.ssh"));
    expect([ssh.mode & 0o7777, ssh.uid, ssh.gid]).toEqual([0o700, 1001, 1001]);
    expect(mode(join(root, "home/alice"))).toBe(0o755);
    expect(mode(join(root, "srv/data"))).toBe(0o2775);
    expect((await applyPlan(host, p)).steps.map((s) => s.status)).toEqual(["skipped-unchanged", "skipped-unchanged"]);
  });

  test("remove: the file is kept as .tether-bak (a rename); absent is nothing to do; a directory is refused", async () => {
    const root = tempRoot({ "etc/netplan/50-cloud-init.yaml": "network: {}\n", "etc/dir/x": "" });
    const host = await realHost(root);
    const p = plan([
      [
        "network",
        [
          { kind: "remove", path: "/etc/netplan/50-cloud-init.yaml", reason: "" },
          { kind: "remove", path: "/etc/never-there", reason: "" },
          { kind: "remove", path: "/etc/dir", reason: "" },
        ],
      ],
    ]);
    const result = await applyPlan(host, p);
    expect(result.steps.map((s) => [s.status, s.message])).toEqual([
      ["ok", "kept as /etc/netplan/50-cloud-init.yaml.tether-bak"],
      ["skipped-unchanged", "absent"],
      ["failed", "a directory: remove takes files and links only"],
    ]);
    expect(readdirSync(join(root, "etc/netplan"))).toEqual(["50-cloud-init.yaml.tether-bak"]);
    expect(existsSync(join(root, "etc/dir/x"))).toBe(true);
  });

  test("bad paths and modes in a plan are refused per step", async () => {
    const root = tempRoot({ "etc/.keep": "" });
    const host = await realHost(root);
    const result = await applyPlan(host, plan([
      ["a", [{ kind: "write", path: "/etc/../etc/x", content: "", mode: 0o644, reason: "" }]],
      ["b", [{ kind: "write", path: "etc/x", content: "", mode: 0o644, reason: "" }]],
      ["c", [{ kind: "write", path: "/etc/x", content: "", mode: 0o10000, reason: "" }]],
      ["d", [{ kind: "write", path: "/etc/.x.tether-tmp", content: "", mode: 0o644, reason: "" }]],
    ]), { continueOnError: true });
    expect(result.steps.map((s) => s.message)).toEqual([
      '"/etc/../etc/x": expected a normalized path (no empty, . or .. components)',
      '"etc/x": expected an absolute path to a file or directory below /',
      "mode 4096: expected permission bits between 0 and 07777",
      '"/etc/.x.tether-tmp": names ending in .tether-tmp are apply\'s own temp files',
    ]);
  });

  test("stale temp files are removed first, and an interrupted journal is reported", async () => {
    const journal = {
      version: 1,
      planId: "a".repeat(64),
      instanceId: "iid-0",
      state: "running",
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: null,
      total: 3,
      done: [{ index: 0, action: "hostname", kind: "write", target: "/etc/hostname", status: "ok", ms: 1 }],
      inProgress: { index: 1, action: "hosts", kind: "write", target: "/srv/hosts", startedAt: "2026-01-01T00:00:00.001Z" },
    };
    const root = tempRoot({
      "etc/.hostname.tether-tmp": "half",
      "srv/.hosts.tether-tmp": "half",
      "srv/keep": "",
      "var/lib/tether/journal.json": JSON.stringify(journal),
      "var/lib/tether/.journal.json.tether-tmp": "{",
    });
    const host = await realHost(root);
    const result = await applyPlan(host, plan([["hostname", [{ kind: "write", path: "/etc/hostname", content: "a\n", mode: 0o644, reason: "" }]]]));
    expect(result.cleaned.sort()).toEqual(["/etc/.hostname.tether-tmp", "/srv/.hosts.tether-tmp", "/var/lib/tether/.journal.json.tether-tmp"]);
    expect(result.interrupted?.planId).toBe("a".repeat(64));
    expect(host.logs.join("")).toContain(`warn [plan] the previous apply (plan aaaaaaaaaaaa, started 2026-01-01T00:00:00.000Z) was interrupted at step 2 of 3 (hosts: write /srv/hosts); applying again`);
    expect(readdirSync(join(root, "srv"))).toEqual(["keep"]);
  });

  test("a corrupt journal is a warning, not a failure", async () => {
    const root = tempRoot({ "var/lib/tether/journal.json": "{ half" });
    const host = await realHost(root);
    const result = await applyPlan(host, plan([]));
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([expect.stringMatching(/^\/var\/lib\/tether\/journal\.json: not JSON \(.+\); ignored$/)]);
  });
});

describe("applyPlan on the fake host", () => {
  function hostWith(tree: Record<string, string>, programs: Record<string, FakeProgram> = {}) {
    return createFakeHost({ tree, programs });
  }

  test("owners are read again after a run: a user made by an earlier step owns a later file", async () => {
    let host: ReturnType<typeof createFakeHost> | null = null;
    host = hostWith(
      { "/etc/passwd": "root:x:0:0::/root:/bin/sh\n", "/etc/group": "root:x:0:\n", "/home/.keep": "" },
      {
        useradd: async (argv) => {
          const fs = (host as Host).fs;
          await fs.writeFile("/etc/passwd", `${await fs.readText("/etc/passwd")}${argv[1]}:x:1500:1500::/home/${argv[1]}:/bin/sh\n`, { mode: 0o644 });
          await fs.writeFile("/etc/group", `${await fs.readText("/etc/group")}${argv[1]}:x:1500:\n`, { mode: 0o644 });
          return { code: 0 };
        },
      },
    );
    const p = plan([
      [
        "users",
        [
          { kind: "write", path: "/home/probe", content: "", mode: 0o600, owner: { user: "root", group: "root" }, reason: "" },
          { kind: "run", argv: ["useradd", "carol"], reason: "" },
          { kind: "write", path: "/home/carol.txt", content: "hi", mode: 0o600, owner: { user: "carol", group: "carol" }, reason: "" },
        ],
      ],
    ]);
    const result = await applyPlan(host, p);
    expect(result.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok"]);
    expect(await host.fs.stat("/home/carol.txt")).toMatchObject({ uid: 1500, gid: 1500, mode: 0o600 });
  });

  test("a Secret input is revealed only to the program; the call is recorded with argv", async () => {
    const seen: unknown[] = [];
    const host = hostWith({}, { chpasswd: (_argv, options) => (seen.push(options.input), { code: 0 }) });
    const result = await applyPlan(host, plan([["password", [{ kind: "run", argv: ["chpasswd", "-e"], input: new Secret("alice:$6$x$hash"), timeoutMs: 5000, reason: "" }]]]));
    expect(result.ok).toBe(true);
    expect(seen).toEqual(["alice:$6$x$hash"]);
    expect(host.calls.map((c) => [c.argv, c.options.timeoutMs])).toEqual([[["chpasswd", "-e"], 5000]]);
    expect(host.logs.join("\n")).not.toContain("$hash");
  });

  test("a program that is not there, and one that times out, fail their step", async () => {
    const host = hostWith({}, { sleepy: () => ({ code: 137, timedOut: true }) });
    const result = await applyPlan(host, plan([["x", [
      { kind: "run", argv: ["nope"], reason: "" },
      { kind: "run", argv: ["sleepy"], timeoutMs: 10, reason: "" },
    ]]]), { continueOnError: true });
    expect(result.steps.map((s) => s.message)).toEqual(["exited 127: nope: not found", "killed after 10 ms (its time limit)"]);
  });
});

describe("applyPlan and links a user could have made", () => {
  test("a user's ~/.ssh pointing at root's: the user's key write and mkdir are refused; root's keys untouched", async () => {
    const root = tempRoot({ "etc/passwd": PASSWD, "etc/group": GROUP, "root/.ssh/authorized_keys": "ssh-ed25519 ROOTKEY root\n", "home/alice/.keep": "" });
    const { symlinkSync } = await import("node:fs");
    symlinkSync("/root/.ssh", join(root, "home/alice/.ssh"));
    const host = await realHost(root);
    const owner = { user: "alice", group: "alice" };
    const write = plan([["ssh-keys", [{ kind: "write", path: "/home/alice/.ssh/authorized_keys", content: "ssh-ed25519 ALICE a\n", mode: 0o600, owner, reason: "keys" }]]]);
    const result = await applyPlan(host, write);
    expect(result.ok).toBe(false);
    expect(result.steps[0]?.message).toBe("/home/alice/.ssh is a symlink, and the change belongs to alice, who could have made it: refused");
    const mkdir = plan([["ssh-keys", [{ kind: "mkdir", path: "/home/alice/.ssh", mode: 0o700, owner, reason: "dir" }]]]);
    expect((await applyPlan(host, mkdir)).ok).toBe(false);
    expect(read(join(root, "root/.ssh/authorized_keys"))).toBe("ssh-ed25519 ROOTKEY root\n");
    expect(statSync(join(root, "root/.ssh")).uid).toBe(0);
  });

  test("root's own files through a link root made are still written (only users' territory is suspect)", async () => {
    const root = tempRoot({ "etc/passwd": PASSWD, "etc/group": GROUP, "srv/real/.keep": "" });
    const { symlinkSync } = await import("node:fs");
    symlinkSync("/srv/real", join(root, "srv/link"));
    const host = await realHost(root);
    const result = await applyPlan(host, plan([["write-files", [{ kind: "write", path: "/srv/link/app.conf", content: "x\n", mode: 0o644, reason: "file" }]]]));
    expect(result.ok).toBe(true);
    expect(read(join(root, "srv/real/app.conf"))).toBe("x\n");
  });
});
