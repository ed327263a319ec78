import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { executeCommand, type DaemonContext } from "../../src/daemon/execute-command.ts";
import { HostError, InputError } from "../../src/errors.ts";
import { Secret } from "../../src/model/secret.ts";
import { failure } from "../helpers/failure.ts";
import { ALICE, cleanTemps, realHost, targetRoot } from "../transports/virtio/commands/qga-test-context.ts";

afterAll(cleanTemps);

async function setup() {
  const root = targetRoot();
  const host = await realHost(root);
  const ctx: DaemonContext = { host, transport: "virtio", location: "test-port", binaryPath: "/usr/local/bin/agent", update: { maxBytes: 1 << 20, timeoutMs: 1000 } };
  return { root, host, ctx, shadow: () => readFileSync(join(root, "etc/shadow"), "utf8") };
}

const field = (shadow: string, user: string) => shadow.split("\n").find((l) => l.startsWith(`${user}:`))?.split(":")[1] ?? "";

function holds(hash: string, password: string): boolean {
  const salt = hash.split("$")[2];
  if (!hash.startsWith("$6$") || !salt) return false;
  return Bun.spawnSync(["openssl", "passwd", "-6", "-salt", salt, "-stdin"], { stdin: new TextEncoder().encode(password) }).stdout.toString().trim() === hash;
}

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExecuteCommandExecuteCommandExecuteCommand1 exec@test";
const KEY2 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQExecuteCommandTwo two@test";

describe("executeCommand: set-password through the passwords action", () => {
  test("no user: root's password (what Nova's `password` relies on); other accounts untouched", async () => {
    const { ctx, shadow } = await setup();
    const before = shadow();
    const outcome = await executeCommand(ctx, { name: "set-password", password: new Secret("nova admin pw") });
    expect(outcome.message).toBe("password of root set");
    expect(holds(field(shadow(), "root"), "nova admin pw")).toBe(true);
    expect(field(shadow(), "alice")).toBe(field(before, "alice"));
    // chpasswd -R on the tree: the hash is never an argument.
    const run = outcome.result.steps.find((s) => s.kind === "run");
    expect(run?.target).toContain("chpasswd");
    expect(run?.target).not.toContain("$6$");
  });

  test("a named user, clear text or a crypt hash as given", async () => {
    const { ctx, shadow } = await setup();
    await executeCommand(ctx, { name: "set-password", user: "alice", password: new Secret("alice text") });
    expect(holds(field(shadow(), "alice"), "alice text")).toBe(true);
    const hash = Bun.spawnSync(["openssl", "passwd", "-6", "-salt", "qwertyui", "given"]).stdout.toString().trim();
    await executeCommand(ctx, { name: "set-password", user: "alice", password: new Secret(hash), crypted: true });
    expect(field(shadow(), "alice")).toBe(hash);
  });

  test("a user that does not exist: refused before anything runs, naming the user", async () => {
    const { ctx, shadow } = await setup();
    const before = shadow();
    const error = await failure(executeCommand(ctx, { name: "set-password", user: "ghost", password: new Secret("x") }));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe('set-password: no user "ghost" in the target\'s /etc/passwd');
    expect(shadow()).toBe(before);
  });

  test("the passwords action's hash checks apply, worded for the request, without the hash", async () => {
    const { ctx, shadow } = await setup();
    const before = shadow();
    const empty = await failure(executeCommand(ctx, { name: "set-password", user: "alice", password: new Secret(""), crypted: true }));
    expect(empty).toBeInstanceOf(InputError);
    expect(empty.message).toBe('set-password for "alice": password: an empty hash would allow logging in without a password');
    const colon = await failure(executeCommand(ctx, { name: "set-password", user: "alice", password: new Secret("$6$x$y:z"), crypted: true }));
    expect(colon.message).not.toContain("$6$x$y");
    expect(shadow()).toBe(before);
  });
});

describe("executeCommand: authorized-keys through its planner", () => {
  test("add, then remove, in alice's file: owner alice, 0600 in a 0700 ~/.ssh", async () => {
    const { root, ctx } = await setup();
    const file = join(root, "home/alice/.ssh/authorized_keys");
    const added = await executeCommand(ctx, { name: "authorized-keys", user: "alice", add: [KEY, KEY2] });
    expect(added.message).toBe("SSH keys of alice: 2 change(s)");
    expect(readFileSync(file, "utf8")).toBe(`${KEY}\n${KEY2}\n`);
    expect([statSync(file).uid, statSync(file).gid, statSync(file).mode & 0o777]).toEqual([ALICE.uid, ALICE.gid, 0o600]);
    expect(statSync(join(root, "home/alice/.ssh")).mode & 0o777).toBe(0o700);
    await executeCommand(ctx, { name: "authorized-keys", user: "alice", remove: [KEY] });
    expect(readFileSync(file, "utf8")).toBe(`${KEY2}\n`);
    await executeCommand(ctx, { name: "authorized-keys", user: "alice", add: [KEY], reset: true });
    expect(readFileSync(file, "utf8")).toBe(`${KEY}\n`);
  });

  test("an unknown user, or a user whose home does not exist: refused, nothing made", async () => {
    const { root, ctx } = await setup();
    expect((await failure(executeCommand(ctx, { name: "authorized-keys", user: "ghost", add: [KEY] }))).message).toContain('no user "ghost"');
    // nobody's home is /nonexistent: it stays so.
    expect((await failure(executeCommand(ctx, { name: "authorized-keys", user: "nobody", add: [KEY] }))).message).toContain("the home directory /nonexistent of nobody does not exist");
    expect(existsSync(join(root, "nonexistent"))).toBe(false);
  });

  test("a file larger than the planner reads is refused, not rewritten from nothing (a reset may replace it)", async () => {
    const { root, ctx } = await setup();
    mkdirSync(join(root, "home/alice/.ssh"), { mode: 0o700 });
    const file = join(root, "home/alice/.ssh/authorized_keys");
    const big = `${KEY2}\n${"# padding\n".repeat(120_000)}`;
    writeFileSync(file, big);
    expect((await failure(executeCommand(ctx, { name: "authorized-keys", user: "alice", add: [KEY] }))).message).toContain("refused rather than rewritten");
    expect(readFileSync(file, "utf8")).toBe(big);
    await executeCommand(ctx, { name: "authorized-keys", user: "alice", add: [KEY], reset: true });
    expect(readFileSync(file, "utf8")).toBe(`${KEY}\n`);
  });

  test("a directory where the file should be: refused", async () => {
    const { root, ctx } = await setup();
    mkdirSync(join(root, "home/alice/.ssh/authorized_keys"), { recursive: true });
    expect((await failure(executeCommand(ctx, { name: "authorized-keys", user: "alice", add: [KEY] }))).message).toContain("is a dir, not a file");
  });
});
