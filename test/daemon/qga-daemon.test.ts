import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { connectQga, type QgaClient } from "../helpers/qga-client.ts";
import { startDaemon } from "../helpers/daemon-process.ts";
import { VERSION } from "../../src/version.ts";
import { TEST_SECRETS } from "../helpers/test-secrets.ts";

/**
 * agent daemon serving QGA on a unix socket (--listen), from source, against a small guest root;
 * the host side is written as libvirt, Proxmox and qemu-ga-client speak.
 */
const temps: string[] = [];
const running: Subprocess[] = [];
const clients: QgaClient[] = [];
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
  running.splice(0).forEach((p) => p.kill("SIGKILL"));
});
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `system`: serve the running system (--root /) on a socket in a temp dir; for guest-exec only. */
async function start(extra: string[] = [], files: Record<string, string> = {}, system = false) {
  const root = mkdtempSync(join(tmpdir(), "tether-qga-"));
  temps.push(root);
  makeTargetRoot(root);
  chmodSync(join(root, "etc/shadow"), 0o600);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const socket = system ? join(root, "run/qga.sock") : "/run/qga.sock";
  const { daemon, stderr } = await startDaemon(["--listen", `unix:${socket}`, "--root", system ? "/" : root, "--metadata-url", "http://127.0.0.1:9", ...extra], {
    ready: "serving the QEMU guest agent protocol",
  });
  running.push(daemon);
  const connect = async () => {
    const client = await connectQga(join(root, "run/qga.sock"));
    clients.push(client);
    return client;
  };
  return { root, daemon, stderr, connect };
}

describe("agent daemon --listen (QEMU guest agent protocol)", () => {
  test("libvirt: guest-sync with an id, then the command; replies carry the request's id", async () => {
    const { connect } = await start();
    const c = await connect();
    expect(await c.call("guest-sync", { id: 123456 })).toEqual({ return: 123456 });
    expect(await c.call("guest-ping", undefined, "req-1")).toEqual({ return: {}, id: "req-1" });
    const info = (await c.call("guest-info")).return as { version: string; supported_commands: { name: string; enabled: boolean; "success-response": boolean }[] };
    expect(info.version).toBe(VERSION);
    const names = info.supported_commands.map((s) => s.name);
    for (const n of ["guest-ping", "guest-get-osinfo", "guest-network-get-interfaces", "guest-set-user-password", "guest-exec", "guest-file-open", "tether-status"]) expect(names).toContain(n);
    expect(info.supported_commands.find((s) => s.name === "guest-shutdown")?.["success-response"]).toBe(false);
  });

  test("Proxmox: sync-delimited and the command in one write, parsed with its strict regex", async () => {
    const { connect } = await start();
    const c = await connect();
    c.send(`${JSON.stringify({ execute: "guest-sync-delimited", arguments: { id: 4242 } })}\n${JSON.stringify({ execute: "guest-get-host-name" })}\n`);
    const sync = await c.line();
    expect(sync.charCodeAt(0)).toBe(0xff);
    expect(sync.slice(1)).toBe('{"return":4242}');
    const reply = await c.line();
    // Proxmox reads one line per reply and requires it to be a JSON object ending in "}".
    expect(reply).toMatch(/^\{.*\}$/);
    expect(JSON.parse(reply).return["host-name"]).toBeString();
  });

  test("qemu-ga-client style: ping, then sync with a random id; 0xFF resets a half-sent request", async () => {
    const { connect } = await start();
    const c = await connect();
    expect(await c.call("guest-ping")).toEqual({ return: {} });
    const id = Math.floor(Math.random() * 2 ** 31);
    c.send('{"execute": "guest-pi');
    c.send(new Uint8Array([0xff]));
    expect(await c.call("guest-sync", { id })).toEqual({ return: id });
  });

  test("errors: unknown → CommandNotFound, bad arguments and bad JSON → GenericError, and serving goes on", async () => {
    const { connect } = await start();
    const c = await connect();
    expect(await c.call("guest-nonsense")).toMatchObject({ error: { class: "CommandNotFound" } });
    expect(await c.call("guest-sync", { id: "x" })).toMatchObject({ error: { class: "GenericError" } });
    expect(await c.call("guest-sync", {})).toMatchObject({ error: { class: "GenericError" } });
    c.send("{]\n");
    expect(JSON.parse(await c.line())).toMatchObject({ error: { class: "GenericError" } });
    expect(await c.call("guest-ping")).toEqual({ return: {} });
  });

  test("a host that goes away mid-request (or mid-JSON) leaves the daemon serving the next one", async () => {
    const { connect } = await start();
    const first = await connect();
    first.send('{"execute": "guest-get-osinfo"}{"execute": "guest-pi');
    first.close();
    const second = await connect();
    expect(await second.call("guest-ping")).toEqual({ return: {} });
    expect((await second.call("guest-get-host-name")).return).toMatchObject({ "host-name": expect.any(String) });
  });

  test("a request over the size limit is answered with an error and dropped; the daemon keeps serving", async () => {
    const { connect } = await start();
    const c = await connect();
    const huge = JSON.stringify({ execute: "guest-sync", arguments: { id: 1, pad: "x".repeat(70 << 20) } });
    c.send(huge);
    expect(JSON.parse(await c.line(30_000))).toMatchObject({ error: { class: "GenericError" } });
    expect(await c.call("guest-ping")).toEqual({ return: {} });
  }, 60_000);

  test("guest-set-user-password sets root's shadow hash through the passwords action", async () => {
    const { connect, root } = await start();
    const c = await connect();
    expect(await c.call("guest-set-user-password", { username: "root", password: Buffer.from(TEST_SECRETS.qgaPassword).toString("base64"), crypted: false })).toEqual({ return: {} });
    const hash = readFileSync(join(root, "etc/shadow"), "utf8").split("\n")[0]?.split(":")[1] ?? "";
    const salt = hash.split("$")[2] as string;
    const check = Bun.spawnSync(["openssl", "passwd", "-6", "-salt", salt, "-stdin"], { stdin: new TextEncoder().encode(TEST_SECRETS.qgaPassword) });
    expect(check.stdout.toString().trim()).toBe(hash);
    expect(statSync(join(root, "etc/shadow")).mode & 0o777).toBe(0o600);
    expect(await c.call("guest-set-user-password", { username: "nobody-here", password: "eA==", crypted: false })).toMatchObject({ error: { class: "GenericError" } });
  });

  test("ssh keys: add, get, remove in root's authorized_keys (0600 in a 0700 ~/.ssh)", async () => {
    const { connect, root } = await start();
    const c = await connect();
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2g2w0ZzXrVnJ4VZ3m9bK3y9n1wQ1wQ1wQ1wQ1wQ1wQ test@host";
    expect(await c.call("guest-ssh-add-authorized-keys", { username: "root", keys: [key] })).toEqual({ return: {} });
    expect(await c.call("guest-ssh-get-authorized-keys", { username: "root" })).toEqual({ return: { keys: [key] } });
    expect(statSync(join(root, "root/.ssh/authorized_keys")).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, "root/.ssh")).mode & 0o777).toBe(0o700);
    expect(await c.call("guest-ssh-remove-authorized-keys", { username: "root", keys: [key] })).toEqual({ return: {} });
    expect(await c.call("guest-ssh-get-authorized-keys", { username: "root" })).toEqual({ return: { keys: [] } });
  });

  test("files: open, write, seek, read, close inside the root", async () => {
    const { connect, root } = await start();
    const c = await connect();
    const opened = await c.call("guest-file-open", { path: "/tmp/qga-test.txt", mode: "w+" });
    const handle = opened.return as number;
    expect(handle).toBeGreaterThanOrEqual(1000);
    expect(await c.call("guest-file-write", { handle, "buf-b64": Buffer.from("hello qga").toString("base64") })).toMatchObject({ return: { count: 9 } });
    expect(await c.call("guest-file-seek", { handle, offset: 6, whence: "set" })).toMatchObject({ return: { position: 6 } });
    const read = (await c.call("guest-file-read", { handle, count: 100 })).return as { count: number; "buf-b64": string; eof: boolean };
    expect(Buffer.from(read["buf-b64"], "base64").toString()).toBe("qga");
    expect(await c.call("guest-file-close", { handle })).toEqual({ return: {} });
    expect(readFileSync(join(root, "tmp/qga-test.txt"), "utf8")).toBe("hello qga");
    expect(await c.call("guest-file-read", { handle })).toMatchObject({ error: { class: "GenericError" } });
  });

  test("guest-exec is refused under --root; on the running system, output is captured", async () => {
    const target = await start();
    const t = await target.connect();
    expect(await t.call("guest-exec", { path: "/bin/echo" })).toMatchObject({ error: { class: "GenericError" } });
    // The running system, with nothing but these enabled: the test alone says what runs.
    const { connect } = await start(["--allow-rpcs", "guest-exec,guest-exec-status"], {}, true);
    const c = await connect();
    const { pid } = (await c.call("guest-exec", { path: "/bin/echo", arg: ["hello", "exec"], "capture-output": true })).return as { pid: number };
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      status = (await c.call("guest-exec-status", { pid })).return as Record<string, unknown>;
      if (status.exited) break;
      await Bun.sleep(20);
    }
    expect(status).toMatchObject({ exited: true, exitcode: 0 });
    expect(Buffer.from(status["out-data"] as string, "base64").toString()).toBe("hello exec\n");
  });

  test("policy: --block-rpcs and the config file's exec: false disable commands, and guest-info says so", async () => {
    const { connect } = await start(["--block-rpcs", "guest-get-osinfo"], { "etc/tether/daemon.yaml": "qga:\n  exec: false\n" });
    const c = await connect();
    expect(await c.call("guest-get-osinfo")).toMatchObject({ error: { class: "CommandNotFound" } });
    expect(await c.call("guest-exec", { path: "/bin/true" })).toMatchObject({ error: { class: "CommandNotFound" } });
    const info = (await c.call("guest-info")).return as { supported_commands: { name: string; enabled: boolean }[] };
    const enabled = Object.fromEntries(info.supported_commands.map((s) => [s.name, s.enabled]));
    expect(enabled).toMatchObject({ "guest-get-osinfo": false, "guest-exec": false, "guest-exec-status": false, "guest-ping": true });
  });

  test("a bad config file or an unknown command name stops the daemon before it serves, naming the problem", async () => {
    const bad = await start([], { "etc/tether/daemon.yaml": "qga:\n  exec: sometimes\n" });
    expect(await bad.daemon.exited).toBe(1);
    expect(bad.stderr()).toContain("/etc/tether/daemon.yaml: qga.exec");
    const typo = await start(["--allow-rpcs", "guest-pnig"]);
    expect(await typo.daemon.exited).toBe(2);
    expect(typo.stderr()).toContain("guest-pnig");
  });

  test("tether-reset-network and tether-apply read the instance data afresh (a NoCloud seed named on the command line)", async () => {
    const seed = {
      "proc/cmdline": "ro quiet ds=nocloud;s=/seed/\n",
      "seed/meta-data": "instance-id: iid-qga-1\nlocal-hostname: qga-host\n",
      "seed/network-config": "version: 2\nethernets:\n  lan0:\n    match:\n      macaddress: '52:54:00:12:34:56'\n    addresses: [198.51.100.7/24]\n",
    };
    const { connect, root } = await start([], seed);
    const c = await connect();
    expect(await c.call("tether-reset-network")).toMatchObject({ return: { "instance-id": "iid-qga-1" } });
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("qga-host\n");
    const rendered = Bun.spawnSync(["grep", "-rl", "198.51.100.7", join(root, "etc")]).stdout.toString();
    expect(rendered).not.toBe("");
    expect(await c.call("tether-apply")).toMatchObject({ return: { "instance-id": "iid-qga-1" } });
    expect(await c.call("tether-status")).toMatchObject({ return: { lastRun: { instanceId: "iid-qga-1" } } });
  });

  test("tether-status, guest-shutdown refused under --root, and SIGTERM exits 0", async () => {
    const { connect, daemon } = await start();
    const c = await connect();
    expect(await c.call("tether-status")).toMatchObject({ return: { lastRun: null } });
    expect(await c.call("guest-shutdown", { mode: "reboot" })).toMatchObject({ error: { class: "GenericError" } });
    daemon.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
  });
});
