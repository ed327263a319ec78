import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { startFakeXenstored, type FakeXenstored } from "../helpers/fake-xenstored.ts";
import { Workspace } from "../helpers/make-images.ts";
import { runAgent } from "../helpers/run-agent.ts";
import { TEST_SECRETS } from "../helpers/test-secrets.ts";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A small Debian-like target root (examples/target-root.ts), fresh for each test. */
function targetRoot(): string {
  const root = tempDir();
  makeTargetRoot(root);
  return root;
}

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-boot-"));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** Every file under a tree with its content, to prove a dry run wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      // A fake xenstored's socket lives in the root too; it has no content to compare.
      else if (!e.isSocket()) out[p] = readFileSync(p).toString("base64");
    }
  };
  walk(dir);
  return out;
}

describe("agent boot", () => {
  test("--dry-run on the example seed prints the instance data and the plan, and changes nothing under --root", async () => {
    const root = targetRoot();
    const before = snapshot(root);
    const run = await runAgent(["boot", "--dry-run", "--seed", "examples/nocloud", "--root", root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/instance-id +iid-example-0001/);
    expect(run.stdout).toMatch(/hostname +example-web-1/);
    expect(run.stdout).toMatch(/network +v2 from examples\/nocloud\/network-config/);
    expect(run.stdout).toMatch(/cloud-config +fqdn, hostname, manage_etc_hosts, runcmd, ssh_pwauth, timezone, users, write_files/);
    expect(run.stdout).toMatch(/interfaces +lan0 192\.0\.2\.10\/24; mgmt0 dhcp4/);
    expect(run.stdout).toMatch(/^Plan$/m);
    expect(run.stdout).toContain("+++ b/etc/hostname");
    expect(run.stdout).toContain("useradd -R");
    expect(snapshot(root)).toEqual(before);
  });

  test("--json gives the instance data with user-data described, never shown", async () => {
    const run = await runAgent(["boot", "--dry-run", "--seed", "examples/nocloud", "--root", targetRoot(), "--json"]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.dryRun).toBe(true);
    const hostname = out.plan.steps.find((s: { action: string }) => s.action === "hostname");
    expect(hostname.changes[0]).toMatchObject({ kind: "write", path: "/etc/hostname", content: { text: "example-web-1\n" } });
    const files = out.plan.steps.find((s: { action: string }) => s.action === "write-files");
    expect(files.changes.find((c: { path?: string }) => c.path === "/etc/example/token").content).toEqual({ secret: true, bytes: 16 });
    expect(Array.isArray(out.due)).toBe(true);
    expect(out.instanceData.instanceId).toBe("iid-example-0001");
    expect(out.instanceData.userData).toMatchObject({ header: "#cloud-config" });
    expect(out.instanceData.userData.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.stdout).not.toContain(TEST_SECRETS.exampleToken);
    // logs are JSON lines on stderr
    for (const line of run.stderr.trim().split("\n")) expect(JSON.parse(line)).toHaveProperty("level");
  });

  test("a bad seed fails with exit 1, naming the file and the field", async () => {
    const seed = tempDir({ "meta-data": "instance-id: ok\nlocal-hostname: 'web 1'\n" });
    const run = await runAgent(["boot", "--dry-run", "--seed", seed]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${seed}/meta-data: local-hostname: expected a host name`);
    const json = await runAgent(["boot", "--dry-run", "--seed", seed, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({ source: `${seed}/meta-data`, problems: [{ path: "local-hostname" }] });
  });

  test("user-data and network config are validated before anything: the field is named, exit 1", async () => {
    const badUser = tempDir({ "meta-data": "instance-id: i\n", "user-data": "#cloud-config\nwrite_files:\n  - path: /etc/x\n    permissions: rwx\n" });
    const run = await runAgent(["boot", "--dry-run", "--seed", badUser]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('write_files[0].permissions: expected octal string or number, got "rwx"');
    const badNet = tempDir({ "meta-data": "instance-id: i\n", "network-config": "version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.300/24]\n" });
    const net = await runAgent(["boot", "--dry-run", "--seed", badNet]);
    expect(net.code).toBe(1);
    expect(net.stderr).toContain(`${badNet}/network-config`);
    expect(net.stderr).toContain("10.0.0.300");
  });

  test("bad vendor-data is set aside with a warning; the boot goes on", async () => {
    const seed = tempDir({ "meta-data": "instance-id: i\n", "vendor-data": "#cloud-config\nusers: 5\n" });
    const run = await runAgent(["boot", "--dry-run", "--seed", seed, "--json"]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.instanceData.vendorConfig).toBeUndefined();
    expect(out.instanceData.warnings[0]).toStartWith(`vendor-data set aside: ${seed} vendor-data: users:`);
  });

  test("validation comes first: a bad seed without --dry-run is still exit 1, not 'not built'", async () => {
    const seed = tempDir({ "meta-data": "local-hostname: a\n" });
    const run = await runAgent(["boot", "--seed", seed, "--root", tempDir()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("instance-id: required");
  });

  test("without --dry-run it applies to --root and records the run; a second run of the instance is recorded as not new", async () => {
    const root = targetRoot();
    const first = await runAgent(["boot", "--seed", "examples/nocloud", "--root", root, "--json"]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ dryRun: false, instanceId: "iid-example-0001", ok: true });
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("example-web-1\n");
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toContain("ops:x:1000:1000:Operations:/home/ops:/bin/bash");
    expect(statSync(join(root, "home/ops/.ssh/authorized_keys")).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, "etc/example/token")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, "etc/example/banner"), "utf8")).toBe("Tether example\n");
    const status = await runAgent(["status", "--root", root, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ lastRun: { instanceId: "iid-example-0001", newInstance: true } });
    await runAgent(["boot", "--seed", "examples/nocloud", "--root", root]);
    const again = await runAgent(["status", "--root", root, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ lastRun: { instanceId: "iid-example-0001", newInstance: false } });
  });

  test("a new instance id runs the per-instance actions again; the same one skips them", async () => {
    const root = targetRoot();
    const seed = (id: string, host: string) => tempDir({ "meta-data": `instance-id: ${id}\nlocal-hostname: ${host}\n` });
    const first = seed("iid-a", "first-name");
    expect((await runAgent(["boot", "--seed", first, "--root", root])).code).toBe(0);
    const same = await runAgent(["boot", "--dry-run", "--seed", first, "--root", root, "--json"]);
    expect(JSON.parse(same.stdout).due.find((d: { action: string }) => d.action === "hostname")).toMatchObject({ run: false });
    const second = await runAgent(["boot", "--seed", seed("iid-b", "second-name"), "--root", root, "--json"]);
    expect(second.code).toBe(0);
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("second-name\n");
  });

  test("without --seed it probes; nothing found is exit 1 with the evidence", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const url = `http://127.0.0.1:${listener.port}`;
    listener.stop(true);
    const run = await runAgent(["boot", "--dry-run", "--root", tempDir(), "--metadata-url", url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no source of instance data found");
    expect(run.stderr).toContain("config-drive: absent: no device labelled config-2");
  });

  test("--transport names the only source looked at; --seed and --transport together are refused", async () => {
    const seen: string[] = [];
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (seen.push(req.url), new Response("latest\n")) });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const run = await runAgent(["boot", "--dry-run", "--root", tempDir(), "--transport", "xenstore", "--metadata-url", url]);
      expect(run.code).toBe(1);
      expect(seen).toEqual([]);
      const both = await runAgent(["boot", "--dry-run", "--seed", "examples/nocloud", "--transport", "nocloud"]);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain("--seed and --transport both name the source");
      const wrong = await runAgent(["boot", "--dry-run", "--transport", "virtio", "--metadata-url", url]);
      expect(wrong.stderr).toContain('--transport "virtio": expected one of config-drive, nocloud, xenstore, metadata-http');
    } finally {
      server.stop(true);
    }
  });

  test("from the OpenStack metadata service, found by the probe", async () => {
    const files: Record<string, string> = {
      "/openstack": "latest\n",
      "/openstack/latest/meta_data.json": JSON.stringify({ uuid: "iid-http", hostname: "api-1", public_keys: { k: "ssh-ed25519 AAAA k" }, admin_pass: TEST_SECRETS.httpAdminPass }),
      "/openstack/latest/user_data": "#cloud-config\n",
    };
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => new Response(files[new URL(req.url).pathname] ?? "", { status: new URL(req.url).pathname in files ? 200 : 404 }) });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const run = await runAgent(["boot", "--dry-run", "--root", tempDir(), "--metadata-url", url, "--json"]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).instanceData).toMatchObject({
        instanceId: "iid-http",
        hostname: "api-1",
        publicKeys: ["ssh-ed25519 AAAA k"],
        adminPassword: "[redacted]",
        source: { transport: "metadata-http", location: url },
      });
      expect(run.stdout + run.stderr).not.toContain(TEST_SECRETS.httpAdminPass);
    } finally {
      server.stop(true);
    }
  });

  test("from ds=nocloud;s=URL on the kernel command line, with h= winning over the seed", async () => {
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req) => (new URL(req.url).pathname === "/s/meta-data" ? new Response("instance-id: iid-seed\nlocal-hostname: seed-host\n") : new Response("", { status: 404 })),
    });
    try {
      const root = tempDir({ "proc/cmdline": `console=ttyS0 ds=nocloud;s=http://127.0.0.1:${server.port}/s/;h=cmdline-host\n` });
      const run = await runAgent(["boot", "--dry-run", "--root", root, "--metadata-url", "http://127.0.0.1:9", "--json"]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).instanceData).toMatchObject({ instanceId: "iid-seed", hostname: "cmdline-host", source: { transport: "nocloud" } });
    } finally {
      server.stop(true);
    }
  });

  test("without --seed: the probe finds a CIDATA disk, and boot reads the seed from it with our FAT reader", async () => {
    const ws = new Workspace();
    try {
      const tree = ws.tree("seed", { "meta-data": "instance-id: iid-from-disk\nlocal-hostname: disk-host\n", "user-data": "#cloud-config\n" });
      const image = await ws.fat(16, "CIDATA", 32768, tree, "cidata.img");
      const root = tempDir({ "sys/class/block/vdb/dev": "254:16\n" });
      mkdirSync(join(root, "dev"));
      writeFileSync(join(root, "dev/vdb"), image);
      const run = await runAgent(["boot", "--dry-run", "--root", root, "--metadata-url", "http://127.0.0.1:9", "--json"]);
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.instanceData).toMatchObject({ instanceId: "iid-from-disk", hostname: "disk-host", source: { transport: "nocloud", location: "/dev/vdb" } });
      expect(out.instanceData.userData.header).toBe("#cloud-config");
    } finally {
      ws.remove();
    }
  });

  test("a config-drive tree as --seed: read, admin password never shown", async () => {
    const seed = tempDir({
      "openstack/latest/meta_data.json": JSON.stringify({ uuid: "cd-1", hostname: "cd.example", admin_pass: TEST_SECRETS.driveAdminPass, files: [{ path: "/etc/x", content_path: "/content/0000" }] }),
      "openstack/content/0000": "hello",
    });
    const run = await runAgent(["boot", "--dry-run", "--seed", seed, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).instanceData).toMatchObject({
      instanceId: "cd-1",
      hostname: "cd",
      fqdn: "cd.example",
      adminPassword: "[redacted]",
      files: [{ path: "/etc/x", bytes: 5 }],
      source: { transport: "config-drive" },
    });
    const text = await runAgent(["boot", "--dry-run", "--seed", seed]);
    expect(text.stdout).toMatch(/admin password +given \(not shown\)/);
    for (const out of [run.stdout, run.stderr, text.stdout, text.stderr]) expect(out).not.toContain(TEST_SECRETS.driveAdminPass);
  });

  test("a malformed config drive: exit 1 naming the file and the field, nothing else done", async () => {
    const seed = tempDir({ "openstack/2012-08-10/meta_data.json": '{"uuid": "x", "files": [{"path": "../etc/shadow", "content_path": "/content/0000"}]}' });
    const run = await runAgent(["boot", "--dry-run", "--seed", seed]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${seed}:openstack/2012-08-10/meta_data.json: files.0.path: expected an absolute path`);
  });

  test("--seed that is not a directory is a usage error", async () => {
    const run = await runAgent(["boot", "--dry-run", "--seed", "package.json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--seed package.json: not a directory");
  });
});

describe("agent boot --transport xenstore", () => {
  const XS_SOCKET = "/var/run/xenstored/socket";
  /** mgmt0's MAC in the target root, keyed in upper case as some toolstacks write it. */
  const MGMT0 = { key: "525400ABCDEF", mac: "52:54:00:ab:cd:ef" };

  /** A target root whose dom0 xenstored socket is served by the fake, holding `nodes`. */
  function xenRoot(nodes: Record<string, string>): { root: string; xs: FakeXenstored } {
    const root = targetRoot();
    mkdirSync(join(root, "var/run/xenstored"), { recursive: true });
    return { root, xs: startFakeXenstored(join(root, XS_SOCKET), { vm: "/vm/3f2504e0-4f89-11d3-9a0c-0305e82c3301", ...nodes }) };
  }

  test("--dry-run reads vm-data: the hostname and a network file from vm-data/networking, nothing changed", async () => {
    const entry = { label: "public", mac: MGMT0.mac.toUpperCase(), gateway: "192.0.2.1", ips: [{ ip: "192.0.2.10", netmask: "255.255.255.0", enabled: "1" }], dns: ["192.0.2.53"] };
    const { root, xs } = xenRoot({ "vm-data/hostname": "xen-web-1.example.net", [`vm-data/networking/${MGMT0.key}`]: JSON.stringify(entry) });
    try {
      const before = snapshot(root);
      const run = await runAgent(["boot", "--dry-run", "--transport", "xenstore", "--root", root, "--metadata-url", "http://127.0.0.1:9"]);
      expect(run.stderr).not.toContain("not built");
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/source +xenstore \/var\/run\/xenstored\/socket/);
      expect(run.stdout).toMatch(/instance-id +3f2504e0-4f89-11d3-9a0c-0305e82c3301/);
      expect(run.stdout).toMatch(/hostname +xen-web-1 \(xen-web-1\.example\.net\)/);
      expect(run.stdout).toMatch(/interfaces +mgmt0 192\.0\.2\.10\/24/);
      expect(run.stdout).toContain("+xen-web-1\n");
      expect(run.stdout).toContain("+++ b/etc/netplan/50-tether.yaml");
      expect(run.stdout).toMatch(new RegExp(`^\\+ +macaddress: "?${MGMT0.mac}"?$`, "m"));
      expect(run.stdout).toMatch(/^\+ +set-name: mgmt0$/m);
      expect(run.stdout).toContain("via: 192.0.2.1");
      expect(snapshot(root)).toEqual(before);
    } finally {
      xs.stop();
    }
  });

  test("malformed vm-data/networking JSON: exit 1 naming the key, nothing written under the root even without --dry-run", async () => {
    const { root, xs } = xenRoot({ "vm-data/hostname": "xen-web-1", [`vm-data/networking/${MGMT0.key}`]: '{"ips": [' });
    try {
      const before = snapshot(root);
      const run = await runAgent(["boot", "--transport", "xenstore", "--root", root, "--metadata-url", "http://127.0.0.1:9"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`agent: ${XS_SOCKET} vm-data/networking: ${MGMT0.key}: invalid JSON`);
      expect(snapshot(root)).toEqual(before);
      const json = await runAgent(["boot", "--dry-run", "--json", "--transport", "xenstore", "--root", root, "--metadata-url", "http://127.0.0.1:9"]);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout).error).toMatchObject({ source: `${XS_SOCKET} vm-data/networking`, problems: [{ path: MGMT0.key }] });
    } finally {
      xs.stop();
    }
  });

  test("a xenstored without vm-data: exit 1 saying so", async () => {
    const { root, xs } = xenRoot({ "data/host/x": "{}" });
    try {
      const run = await runAgent(["boot", "--dry-run", "--transport", "xenstore", "--root", root, "--metadata-url", "http://127.0.0.1:9"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`agent: ${XS_SOCKET}: no vm-data in XenStore`);
    } finally {
      xs.stop();
    }
  });
});
