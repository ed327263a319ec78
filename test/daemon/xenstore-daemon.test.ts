import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { startDevXenstored, type DevXenstored } from "../../scripts/xenstored/server.ts";
import { blockedDevice } from "../helpers/blocked-device.ts";
import { novaHost, type NovaHost } from "../helpers/nova-host.ts";
import { startDaemon } from "../helpers/daemon-process.ts";
import { VERSION } from "../../src/version.ts";
import { TEST_SECRETS } from "../helpers/test-secrets.ts";

/**
 * The protocol suite: our daemon, from source, serving a guest root; the dev xenstored between it
 * and the host; the host written from PROTOCOLS.md and acting through the real xenstore-* CLIs, as
 * Nova's dom0 plugin does.
 */
const DOMID = 7;
const temps: string[] = [];
const running: { daemon?: Subprocess<"ignore", "pipe", "pipe">; xs?: DevXenstored }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.daemon?.kill("SIGKILL");
    await r.xs?.stop();
  }
});
/** Blocked devices' bind mounts: undone before any temp dir is removed (rm must never reach /dev/pts). */
const releases: (() => void)[] = [];
afterAll(() => {
  for (const release of releases.splice(0)) release();
  temps.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

interface Rig {
  root: string;
  xs: DevXenstored;
  host: NovaHost;
  daemon: Subprocess<"ignore", "pipe", "pipe">;
  stderr: () => string;
}

function startXenstoreDaemon(root: string, extra: string[] = [], env: Record<string, string> = {}) {
  return startDaemon(["--transport", "xenstore", "--root", root, "--log-level", "debug", ...extra], {
    ready: "serving the Nova agent protocol",
    env: { XENSTORED_PATH: "/run/xenstored.sock", ...env },
  });
}

async function rig(options: { noWatch?: boolean; quirkReqId?: boolean } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "tether-xsd-"));
  temps.push(dir);
  const root = join(dir, "guest");
  makeTargetRoot(root);
  chmodSync(join(root, "etc/shadow"), 0o600);
  mkdirSync(join(root, "run"), { recursive: true });
  const xs = await startDevXenstored({ socket: join(dir, "dom0.sock"), guestSocket: join(root, "run/xenstored.sock"), domid: DOMID, ...options });
  const entry: (typeof running)[number] = { xs };
  running.push(entry);
  const { daemon, stderr } = await startXenstoreDaemon(root);
  entry.daemon = daemon;
  return { root, xs, host: novaHost(join(dir, "dom0.sock"), DOMID), daemon, stderr };
}

/** The root's shadow hash for a user, checked by recomputing it with openssl's SHA-512 crypt. */
async function shadowMatches(root: string, user: string, password: string): Promise<boolean> {
  const line = readFileSync(join(root, "etc/shadow"), "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
  const hash = line?.split(":")[1] ?? "";
  const salt = hash.split("$")[2];
  if (!hash.startsWith("$6$") || !salt) return false;
  const child = Bun.spawn(["openssl", "passwd", "-6", "-salt", salt, "-stdin"], { stdin: new TextEncoder().encode(password), stdout: "pipe" });
  return (await new Response(child.stdout).text()).trim() === hash;
}

describe("agent daemon --transport xenstore (Nova agent protocol)", () => {
  test("version and features, through xenstore-write/read as the dom0 plugin does", async () => {
    const { host, xs } = await rig();
    expect(await host.call("version", "agent")).toEqual({ returncode: "0", message: VERSION });
    const features = await host.call("features", "");
    expect(features.returncode).toBe("0");
    expect(features.message.split(",")).toEqual(expect.arrayContaining(["keyinit", "password", "resetnetwork", "injectfile", "agentupdate"]));
    // The request is gone from data/host once answered.
    expect(xs.store.list(`/local/domain/${DOMID}/data/host`) ?? []).toEqual([]);
  });

  test("keyinit + password: root's shadow hash is the password's, with either key derivation", async () => {
    const { host, root, stderr } = await rig();
    expect(await host.setPassword(TEST_SECRETS.novaPassword)).toEqual({ returncode: "0", message: "" });
    expect(await shadowMatches(root, "root", TEST_SECRETS.novaPassword)).toBe(true);
    expect(await host.setPassword(TEST_SECRETS.novaPasswordMd5, { md: "md5" })).toEqual({ returncode: "0", message: "" });
    expect(await shadowMatches(root, "root", TEST_SECRETS.novaPasswordMd5)).toBe(true);
    expect(statSync(join(root, "etc/shadow")).mode & 0o777).toBe(0o600);
    expect(stderr()).not.toContain(TEST_SECRETS.novaPassword);
    expect(stderr()).not.toContain(TEST_SECRETS.novaPasswordMd5);
  });

  test("password before any keyinit: 500, shadow untouched", async () => {
    const { host, root } = await rig();
    const before = readFileSync(join(root, "etc/shadow"), "utf8");
    expect(await host.call("password", "MJ1ZKJP15uPXQXDJTQOGWw==")).toMatchObject({ returncode: "500" });
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toBe(before);
  });

  test("resetnetwork re-reads vm-data/hostname and vm-data/networking", async () => {
    const { host, root } = await rig();
    await host.write("vm-data/hostname", "xen-web-2");
    await host.write(
      "vm-data/networking/525400123456",
      JSON.stringify({ label: "public", mac: "52:54:00:12:34:56", ips: [{ ip: "203.0.113.5", netmask: "255.255.255.0", enabled: "1" }], gateway: "203.0.113.1", dns: ["198.51.100.53"] }),
    );
    expect(await host.call("resetnetwork", "", { timeoutMs: 60_000 })).toMatchObject({ returncode: "0" });
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("xen-web-2\n");
    const rendered = [join(root, "etc/netplan"), join(root, "etc/network/interfaces.d"), join(root, "etc/systemd/network")]
      .filter(existsSync)
      .flatMap((d) => Bun.spawnSync(["grep", "-rl", "203.0.113.5", d]).stdout.toString().split("\n").filter(Boolean));
    expect(rendered.length).toBeGreaterThan(0);
  });

  test("resetnetwork with malformed vm-data/networking: 500 naming the entry, nothing written", async () => {
    const { host, root } = await rig();
    await host.write("vm-data/hostname", "never-applied");
    await host.write("vm-data/networking/525400123456", "{not json");
    const reply = await host.call("resetnetwork", "");
    expect(reply.returncode).toBe("500");
    expect(reply.message).toContain("525400123456");
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("debian\n");
  });

  test("injectfile writes the file (contents may hold commas); hostile paths are refused", async () => {
    const { host, root } = await rig();
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    expect(await host.call("injectfile", b64("/etc/tether-injected.conf,a=1,b=2\n"))).toEqual({ returncode: "0", message: "" });
    expect(readFileSync(join(root, "etc/tether-injected.conf"), "utf8")).toBe("a=1,b=2\n");
    expect(await host.call("file_inject", { b64_path: b64("/root/.ssh/authorized_keys"), b64_file: b64("ssh-ed25519 AAAA test\n") })).toMatchObject({ returncode: "0" });
    expect(statSync(join(root, "root/.ssh/authorized_keys")).mode & 0o777).toBe(0o600);
    for (const path of ["etc/relative", "/etc/../../escape", "/proc/sys/kernel/hostname", "/dev/sda"]) {
      const reply = await host.call("injectfile", b64(`${path},x`));
      expect(reply.returncode).toBe("500");
      expect(reply.message).toContain("path");
    }
    expect(existsSync(join(root, "..", "escape"))).toBe(false);
  });

  test("unknown commands are 404, malformed requests 500, and the daemon keeps serving", async () => {
    const { host } = await rig();
    expect(await host.call("reboot", "")).toMatchObject({ returncode: "404" });
    expect(await host.callRaw("{not json")).toMatchObject({ returncode: "500" });
    expect(await host.callRaw('"just a string"')).toMatchObject({ returncode: "500" });
    expect(await host.call("version", "agent")).toEqual({ returncode: "0", message: VERSION });
  });

  test("agentupdate: downloads from loopback, checks the md5, swaps the binary (no restart under --root)", async () => {
    const { host, root } = await rig();
    writeFileSync(join(root, "usr/local/bin/agent"), "\x7fELF old");
    // A real executable of this machine's: the update is checked to be one.
    const binary = new Uint8Array(readFileSync("/bin/true"));
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(binary) });
    try {
      const md5 = new Bun.CryptoHasher("md5").update(binary).digest("hex");
      const url = `http://127.0.0.1:${server.port}/agent`;
      expect(await host.call("agentupdate", `${url},${"0".repeat(32)}`)).toMatchObject({ returncode: "500" });
      expect(readFileSync(join(root, "usr/local/bin/agent"), "utf8")).toBe("\x7fELF old");
      expect(await host.call("agentupdate", `${url},${md5}`)).toMatchObject({ returncode: "0" });
      expect(new Uint8Array(readFileSync(join(root, "usr/local/bin/agent")))).toEqual(binary);
      expect(statSync(join(root, "usr/local/bin/agent")).mode & 0o777).toBe(0o755);
    } finally {
      server.stop(true);
    }
  });

  test("a xenstored restart: the daemon reconnects and answers again", async () => {
    const { host, xs } = await rig();
    expect(await host.call("version", "agent")).toMatchObject({ returncode: "0" });
    await xs.restart();
    expect(await host.call("version", "agent", { timeoutMs: 15_000 })).toEqual({ returncode: "0", message: VERSION });
  });

  test("where xenstored refuses watches the daemon polls, and still answers", async () => {
    const { host, stderr } = await rig({ noWatch: true });
    expect(await host.call("version", "agent")).toEqual({ returncode: "0", message: VERSION });
    expect(stderr()).toContain("polling every");
  });

  test("an old kernel's xenbus (replies with a wrong req_id): answered all the same", async () => {
    const { host } = await rig({ quirkReqId: true });
    expect(await host.call("version", "agent")).toEqual({ returncode: "0", message: VERSION });
    expect(await host.call("features", "")).toMatchObject({ returncode: "0" });
  });

  test("one daemon per machine; SIGTERM exits 0 and frees the lock", async () => {
    const { root, daemon } = await rig();
    const second = await startXenstoreDaemon(root);
    expect(await second.daemon.exited).toBe(1);
    expect(second.stderr()).toContain("one agent daemon per machine");
    daemon.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
    const third = await startXenstoreDaemon(root);
    expect(third.stderr()).toContain("serving the Nova agent protocol");
    third.daemon.kill("SIGTERM");
    expect(await third.daemon.exited).toBe(0);
  });

  test("SIGTERM while a device read is blocked in the kernel (xenbus-like): still exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-xsd-"));
    temps.push(dir);
    const device = await blockedDevice(dir);
    releases.push(device.release);
    const { daemon, stderr } = await startXenstoreDaemon(dir, [], { XENSTORED_PATH: device.path });
    expect(stderr()).toContain(`serving the Nova agent protocol on ${device.path}`);
    await Bun.sleep(200);
    // Without the exit guard the process never exits: this wait then runs into the test's time limit.
    daemon.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
  });

  test("no XenStore at all: a clear error and exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-xsd-"));
    temps.push(dir);
    const { daemon, stderr } = await startXenstoreDaemon(dir);
    expect(await daemon.exited).toBe(1);
    expect(stderr()).toContain("none of /run/xenstored.sock, /var/run/xenstored/socket, /dev/xen/xenbus, /proc/xen/xenbus exists");
  });
});
