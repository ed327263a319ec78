import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startDevXenstored, type DevXenstored, type XenStoreTree } from "../../scripts/xenstored/server.ts";
import { startDaemon } from "../helpers/daemon-process.ts";
import { novaHost } from "../helpers/nova-host.ts";
import { connectQga, type QgaClient } from "../helpers/qga-client.ts";
import { TEST_SECRETS } from "../helpers/test-secrets.ts";
import { fakeBin, pathWith, scanOutputs, scanTree, SECRET_HOLDERS, SECRET_USER_DATA, targetRoot, tempDirs, writeTree } from "./rig.ts";

/**
 * The daemon at trace level, given passwords over both wires: QGA's guest-set-user-password (clear
 * text and crypted, a failing chpasswd that echoes its input), a file written with guest-file-*,
 * tether-apply of a seed full of secrets, tether-status; the Nova agent's keyinit + password. Its
 * log, every reply and every file it wrote but the holders are scanned.
 */
const temps = tempDirs();
const running: Subprocess[] = [];
const clients: QgaClient[] = [];
const stores: DevXenstored[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  running.splice(0).forEach((p) => p.kill("SIGKILL"));
  for (const xs of stores.splice(0)) await xs.stop();
});
afterAll(temps.cleanup);

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** A QGA daemon on a unix socket in a fresh root holding a NoCloud seed that the kernel command line names. */
async function qgaDaemon(env: Record<string, string> = {}) {
  const root = targetRoot(temps.make());
  writeTree(root, { "proc/cmdline": "ro ds=nocloud;s=/seed/\n", "seed/meta-data": "instance-id: iid-daemon-secrets\n", "seed/user-data": SECRET_USER_DATA });
  const { daemon, stderr } = await startDaemon(["--listen", "unix:/run/qga.sock", "--root", root, "--metadata-url", "http://127.0.0.1:9", "--log-level", "trace"], {
    ready: "serving the QEMU guest agent protocol",
    env,
  });
  running.push(daemon);
  const client = await connectQga(join(root, "run/qga.sock"));
  clients.push(client);
  return { root, daemon, stderr, client };
}

/** SIGTERM, then everything it logged. */
async function stopped(daemon: Subprocess, stderr: () => string): Promise<string> {
  daemon.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
  return stderr();
}

describe("secrets: agent daemon", () => {
  test("QGA: set-password (text, crypted), guest-file-write, tether-apply, tether-status: no reply and no log line holds a secret", async () => {
    const { root, daemon, stderr, client } = await qgaDaemon();
    const replies: unknown[] = [];
    const call = async (execute: string, args?: unknown) => {
      const reply = await client.call(execute, args);
      replies.push(reply);
      return reply;
    };
    expect(await call("guest-set-user-password", { username: "root", password: b64(TEST_SECRETS.qgaSetPassword), crypted: false })).toEqual({ return: {} });
    expect(await call("guest-set-user-password", { username: "root", password: b64(TEST_SECRETS.chpasswdHash), crypted: true })).toEqual({ return: {} });
    expect(await call("guest-set-user-password", { username: "nobody-here", password: b64(TEST_SECRETS.qgaSetPassword), crypted: false })).toMatchObject({ error: { class: "GenericError" } });
    expect(await call("guest-set-user-password", { username: "root", password: `${TEST_SECRETS.qgaSetPassword}!`, crypted: false })).toMatchObject({ error: { class: "GenericError" } });
    const handle = ((await call("guest-file-open", { path: "/root/token", mode: "w" })) as { return: number }).return;
    expect(await call("guest-file-write", { handle, "buf-b64": b64(TEST_SECRETS.privateFile) })).toMatchObject({ return: { count: TEST_SECRETS.privateFile.length } });
    await call("guest-file-close", { handle });
    expect(await call("tether-apply")).toMatchObject({ return: { "instance-id": "iid-daemon-secrets" } });
    expect(await call("tether-status")).toMatchObject({ return: { lastRun: { instanceId: "iid-daemon-secrets" } } });
    const log = await stopped(daemon, stderr);

    expect(scanOutputs({ replies: JSON.stringify(replies), log })).toEqual([]);
    // The seed holds the secrets on purpose; so do shadow, the write_files targets and the file written over QGA.
    expect(scanTree(root, [...SECRET_HOLDERS, "/seed/user-data", "/root/token"])).toEqual([]);
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toContain(`bob:${TEST_SECRETS.chpasswdHash}:`);
    expect(log).toContain("guest-set-user-password");
    // shadow-, chpasswd's copy of the previous shadow (root's hash set just before), as private as shadow.
    for (const path of ["etc/shadow", "etc/shadow-"]) expect([path, statSync(join(root, path)).mode & 0o777]).toEqual([path, 0o640]);
  }, 60_000);

  test("QGA: a failing chpasswd that echoes its input: the error reply and the log are redacted", async () => {
    const dir = temps.make();
    const capture = join(dir, "chpasswd-input");
    const bin = fakeBin(join(dir, "bin"), { chpasswd: `input=$(cat)\nprintf '%s' "$input" > ${capture}\necho "chpasswd: cannot parse: $input" >&2\nexit 1` });
    const { daemon, stderr, client } = await qgaDaemon({ PATH: pathWith(bin) });
    const reply = await client.call("guest-set-user-password", { username: "root", password: b64(TEST_SECRETS.qgaFailingPassword), crypted: false });
    const crypted = await client.call("guest-set-user-password", { username: "root", password: b64(TEST_SECRETS.chpasswdHash), crypted: true });
    const log = await stopped(daemon, stderr);
    const hash = readFileSync(capture, "utf8").split(":").slice(1).join(":");
    expect(scanOutputs({ reply: JSON.stringify(reply), crypted: JSON.stringify(crypted), log }, { "the echoed hash": hash })).toEqual([]);
    expect(reply).toMatchObject({ error: { class: "GenericError", desc: expect.stringContaining("cannot parse: [redacted]") } });
  }, 60_000);

  test("Nova agent: keyinit + password; the password and its hash appear in no reply, no log, no XenStore node", async () => {
    const dir = temps.make();
    const root = targetRoot(join(dir, "guest"));
    mkdirSync(join(root, "run"), { recursive: true });
    const xs = await startDevXenstored({ socket: join(dir, "dom0.sock"), guestSocket: join(root, "run/xenstored.sock"), domid: 7 });
    stores.push(xs);
    const { daemon, stderr } = await startDaemon(["--transport", "xenstore", "--root", root, "--log-level", "trace"], { ready: "serving the Nova agent protocol", env: { XENSTORED_PATH: "/run/xenstored.sock" } });
    running.push(daemon);
    const host = novaHost(join(dir, "dom0.sock"), 7);
    const set = await host.setPassword(TEST_SECRETS.novaSetPassword);
    expect(set).toEqual({ returncode: "0", message: "" });
    const log = await stopped(daemon, stderr);
    expect(scanOutputs({ reply: JSON.stringify(set), log, xenstore: dumpStore(xs.store, "/local/domain/7") })).toEqual([]);
    expect(scanTree(root, SECRET_HOLDERS)).toEqual([]);
  }, 60_000);
});

/** Every node under `path` with its value, as text. */
function dumpStore(store: XenStoreTree, path: string): string {
  const children = store.list(path) ?? [];
  return [`${path}=${store.read(path) ?? ""}`, ...children.map((c) => dumpStore(store, `${path}/${c}`))].join("\n");
}
