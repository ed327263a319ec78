/**
 * The VM lane (`npm run test:vm`, after `npm run build`): the compiled agent on a real Linux kernel
 * with real devices, driven from the host. test/vm/run.sh starts this inside a network namespace of
 * its own; the lane refuses to run anywhere else.
 *
 * Scenarios, each asserted from the host, most of them over the agent's own QGA channel:
 * 1. a config drive: hostname, network, SSH keys, write_files and a runcmd marker in the guest;
 * 2. the metadata service only (no CD): the same through 169.254.169.254;
 * 3. the daemon: ping, osinfo, the configured address, a password set and read back, an exec;
 * 4. a second boot of the same disk and instance: nothing changes;
 * 5. a malformed config drive: the error on the console, nothing changed, and the guest still up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QgaClient } from "../helpers/qga-client.ts";
import { buildGuest, type GuestImage } from "./guest-image.ts";
import { execInGuest, killAll, readGuestFile, Vm } from "./qemu-vm.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZtLWxhbmUta2V5LTAwMDAwMDAwMDAwMDAwMDAw lane@host";
const MD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1ldGFkYXRhLWxhbmUta2V5LTAwMDAwMDAwMDAw md@host";
const MAC = "52:54:00:12:34:56";

const userData = (marker: string) => `#cloud-config
write_files:
  - path: /etc/vm-lane.conf
    content: "written by tether\\n"
runcmd:
  - [sh, -c, "echo ${marker} > /run/runcmd-marker"]
`;

const CONFIG_DRIVE = {
  "openstack/latest/meta_data.json": JSON.stringify({ uuid: "vm-lane-0001", hostname: "vm-lane-1", name: "vm-lane-1", public_keys: { lane: KEY } }),
  "openstack/latest/user_data": userData("ran from the config drive"),
  "openstack/latest/network_data.json": JSON.stringify({
    links: [{ id: "tap0", type: "phy", ethernet_mac_address: MAC, mtu: 1500 }],
    networks: [{ id: "net0", type: "ipv4", link: "tap0", ip_address: "169.254.7.7", netmask: "255.255.0.0", routes: [] }],
    services: [],
  }),
};

/** What the metadata service answers under /openstack: another instance, so that where the data came from shows. */
const METADATA: Record<string, string> = {
  "/openstack": "latest\n",
  "/openstack/latest/meta_data.json": JSON.stringify({ uuid: "vm-lane-md-0002", hostname: "vm-lane-md", name: "vm-lane-md", public_keys: { md: MD_KEY } }),
  "/openstack/latest/user_data": userData("ran from the metadata service"),
};

let work = "";
let image: GuestImage;
let metadataRequests: string[] = [];
let server: ReturnType<typeof Bun.serve> | undefined;
const timings: Record<string, unknown> = {};

function configDrive(name: string, files: Record<string, string>): string {
  const tree = join(work, `${name}-tree`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(tree, path, ".."), { recursive: true });
    writeFileSync(join(tree, path), content);
  }
  const iso = join(work, `${name}.iso`);
  const made = Bun.spawnSync(["genisoimage", "-quiet", "-V", "config-2", "-r", "-J", "-o", iso, tree]);
  if (made.exitCode !== 0) throw new Error(`genisoimage: ${made.stderr.toString()}`);
  return iso;
}

beforeAll(() => {
  // Only ever inside run.sh's namespace: loopback alone, so the guest cannot reach a real network.
  // /proc/net/dev is this process's network namespace (/sys/class/net would be the one sysfs was mounted in).
  const links = readFileSync("/proc/net/dev", "utf8").split("\n").slice(2).map((l) => l.split(":")[0]?.trim()).filter((l): l is string => !!l);
  if (process.env.TETHER_VM_LANE !== "1" || links.some((l) => l !== "lo")) {
    throw new Error(`the VM lane runs only through npm run test:vm (test/vm/run.sh: its own network namespace); here are ${links.join(", ")}`);
  }
  work = mkdtempSync(join(tmpdir(), "tether-vm-"));
  const t0 = performance.now();
  image = buildGuest(work);
  timings.imageBuildMs = Math.round(performance.now() - t0);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 80,
    fetch(req) {
      const path = new URL(req.url).pathname;
      metadataRequests.push(path);
      const body = METADATA[path];
      return body === undefined ? new Response("not found", { status: 404 }) : new Response(body);
    },
  });
});

afterAll(() => {
  killAll();
  server?.stop(true);
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(`vm lane timings: ${JSON.stringify(timings)}`);
});

/** The agent's timings from the console: when `agent boot` started and ended (guest uptime), and its own run. */
function bootTimes(vm: Vm): { startedAt: number; exitedAt: number; code: number; agentMs: number | null } {
  const start = /tether-vm: agent boot starting at ([\d.]+)/.exec(vm.console);
  const end = /tether-vm: agent boot exited (\d+) at ([\d.]+)/.exec(vm.console);
  const status = /tether-vm: status (.*)/.exec(vm.console);
  let agentMs: number | null = null;
  try {
    agentMs = JSON.parse(status?.[1] ?? "null")?.lastRun?.ms ?? null;
  } catch {
    agentMs = null;
  }
  return { startedAt: Number(start?.[1]), exitedAt: Number(end?.[2]), code: Number(end?.[1]), agentMs };
}

/**
 * libvirt's way in: guest-sync with a fresh id until that id comes back, dropping anything else.
 * Bytes a host sends while the guest has the port closed are lost (the daemon reopens it while no
 * host is there), so the first request may never be answered.
 */
async function syncWith(qga: QgaClient, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let id = 1000; Date.now() < deadline; id++) {
    qga.send(`${JSON.stringify({ execute: "guest-sync", arguments: { id } })}\n`);
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      const line = await qga.line(Math.max(1, until - Date.now())).catch(() => "");
      if (line === JSON.stringify({ return: id })) return;
    }
  }
  throw new Error(`the guest agent did not answer guest-sync within ${ms} ms`);
}

/** Boots a VM to its daemon and connects to the agent's QGA port, answering guest-ping. */
async function bootToDaemon(name: string, options: { disk: string; snapshot?: boolean; cdrom?: string }): Promise<{ vm: Vm; qga: QgaClient }> {
  const vm = new Vm({ image, qgaSocket: join(work, `${name}.qga`), ...options });
  await vm.waitFor(/tether-vm: daemon started/);
  await vm.waitFor(/serving the QEMU guest agent protocol/, 30_000);
  const qga = await vm.qga();
  await syncWith(qga);
  expect(await qga.call("guest-ping")).toEqual({ return: {} });
  timings[name] = { wallMs: Date.now() - vm.started, ...bootTimes(vm) };
  return { vm, qga };
}

type BootJson = { ok: boolean; instanceId: string; steps: { action: string; status: string; target: string }[] };

/** What `agent boot --json` printed in the guest; the console's end when it printed no result. */
async function bootJson(qga: QgaClient, vm: Vm): Promise<BootJson> {
  const text = await readGuestFile(qga, "/run/boot.json");
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed.ok === "boolean") return parsed;
  } catch {
    // shown below
  }
  throw new Error(`agent boot printed no result (${JSON.stringify(text.slice(0, 200))}); the console:\n${vm.console.slice(-3000)}`);
}

describe("the agent in a real VM", () => {
  let disk = "";
  let vm: Vm;
  let qga: QgaClient;

  test("1. a config drive: name, network, keys, files and runcmd, read back over the QGA channel", async () => {
    disk = join(work, "vm1.img");
    copyFileSync(image.disk, disk);
    ({ vm, qga } = await bootToDaemon("config-drive", { disk, cdrom: configDrive("cd", CONFIG_DRIVE) }));
    const boot = await bootJson(qga, vm);
    expect(boot.ok).toBe(true);
    expect(boot.instanceId).toBe("vm-lane-0001");
    expect(vm.console).toContain("instance vm-lane-0001 from config-drive /dev/sr0");
    expect(await readGuestFile(qga, "/etc/hostname")).toBe("vm-lane-1\n");
    expect(await readGuestFile(qga, "/etc/network/interfaces.d/50-tether.cfg")).toContain("iface eth0 inet static\n    address 169.254.7.7/16\n");
    expect(await readGuestFile(qga, "/root/.ssh/authorized_keys")).toContain(KEY);
    expect(await readGuestFile(qga, "/etc/vm-lane.conf")).toBe("written by tether\n");
    expect(await readGuestFile(qga, "/run/runcmd-marker")).toBe("ran from the config drive\n");
    expect(metadataRequests).toEqual([]);
  });

  test("3. the daemon: ping, osinfo, the configured address, a password set and read back, an exec", async () => {
    const osinfo = (await qga.call("guest-get-osinfo")) as { return: Record<string, string> };
    expect(osinfo.return).toMatchObject({ id: "tether-vm", "kernel-release": image.version, machine: "x86_64" });
    const host = (await qga.call("guest-get-host-name")) as { return: { "host-name": string } };
    expect(host.return["host-name"]).toBe("vm-lane-1");
    const ifaces = (await qga.call("guest-network-get-interfaces")) as { return: { name: string; "hardware-address"?: string; "ip-addresses"?: { "ip-address": string; prefix: number }[] }[] };
    const eth0 = ifaces.return.find((i) => i["hardware-address"] === MAC);
    expect(eth0?.["ip-addresses"]).toEqual(expect.arrayContaining([expect.objectContaining({ "ip-address": "169.254.7.7", prefix: 16 })]));

    const password = "vm-lane password 1";
    const set = await qga.call("guest-set-user-password", { username: "root", password: Buffer.from(password).toString("base64"), crypted: false });
    expect(set).toEqual({ return: {} });
    const hash = (await readGuestFile(qga, "/etc/shadow")).split("\n").find((l) => l.startsWith("root:"))?.split(":")[1] ?? "";
    expect(hash.startsWith("$6$")).toBe(true);
    const again = Bun.spawnSync(["openssl", "passwd", "-6", "-salt", hash.split("$")[2] as string, "-stdin"], { stdin: new TextEncoder().encode(password) });
    expect(again.stdout.toString().trim()).toBe(hash);
    expect(vm.console).not.toContain(password);

    const ran = await execInGuest(qga, ["/bin/cat", "/run/runcmd-marker"]);
    expect(ran).toEqual({ code: 0, stdout: "ran from the config drive\n", stderr: "" });
  });

  test("4. a second boot of the same disk and instance changes nothing", async () => {
    // Written out and read-only before the power goes: the second boot must see what the first left.
    const sync = await execInGuest(qga, ["/bin/sh", "-c", "sync && mount -o remount,ro /"]);
    expect(sync.code).toBe(0);
    qga.close();
    await vm.stop();
    ({ vm, qga } = await bootToDaemon("second-boot", { disk, cdrom: configDrive("cd2", CONFIG_DRIVE) }));
    const boot = await bootJson(qga, vm);
    expect(boot.ok).toBe(true);
    const changed = boot.steps.filter((s) => s.status === "ok" && s.action !== "final-message");
    expect(changed).toEqual([]);
    // Per-instance work is not even planned again: only per-boot actions have steps.
    expect([...new Set(boot.steps.map((s) => s.action))].sort()).toEqual(["final-message", "network"]);
    expect(await readGuestFile(qga, "/etc/hostname")).toBe("vm-lane-1\n");
    // The password set over QGA in the first boot is still the one in shadow: nothing reset it.
    expect((await readGuestFile(qga, "/etc/shadow")).split("\n").find((l) => l.startsWith("root:"))?.split(":")[1]).toMatch(/^\$6\$/);
    qga.close();
    await vm.stop();
  });

  test("2. the metadata service only: the same through 169.254.169.254", async () => {
    metadataRequests = [];
    const { vm: md, qga: mq } = await bootToDaemon("metadata-service", { disk: image.disk, snapshot: true });
    const boot = await bootJson(mq, md);
    expect(boot.ok).toBe(true);
    expect(boot.instanceId).toBe("vm-lane-md-0002");
    expect(md.console).toContain("instance vm-lane-md-0002 from metadata-http http://169.254.169.254");
    expect(metadataRequests).toEqual(expect.arrayContaining(["/openstack", "/openstack/latest/meta_data.json", "/openstack/latest/user_data"]));
    expect(await readGuestFile(mq, "/etc/hostname")).toBe("vm-lane-md\n");
    expect(await readGuestFile(mq, "/root/.ssh/authorized_keys")).toContain(MD_KEY);
    expect(await readGuestFile(mq, "/etc/vm-lane.conf")).toBe("written by tether\n");
    expect(await readGuestFile(mq, "/run/runcmd-marker")).toBe("ran from the metadata service\n");
    mq.close();
    await md.stop();
  });

  test("5. a malformed config drive: the error on the console, nothing changed, the guest still up", async () => {
    metadataRequests = [];
    const broken = configDrive("broken", { ...CONFIG_DRIVE, "openstack/latest/meta_data.json": '{"uuid": "vm-lane-broken", "hostname": ' });
    const { vm: bad, qga: bq } = await bootToDaemon("malformed-drive", { disk: image.disk, snapshot: true, cdrom: broken });
    expect(bootTimes(bad).code).toBe(1);
    const said = /agent: .*meta_data\.json.*/.exec(bad.console)?.[0] ?? "";
    timings.malformedDriveError = said;
    expect(said).toMatch(/\/dev\/sr0:openstack\/latest\/meta_data\.json: invalid JSON/);
    expect(await readGuestFile(bq, "/etc/hostname")).toBe("localhost\n");
    expect((await execInGuest(bq, ["/bin/ls", "/root"])).stdout).toBe("");
    // A bad drive is not an invitation to ask elsewhere: the probe found it, so the boot stops there.
    expect(metadataRequests).toEqual([]);
    expect(await bq.call("guest-ping")).toEqual({ return: {} });
    bq.close();
    await bad.stop();
  });
});
