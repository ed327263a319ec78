import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";
import { GOLDENS, INPUTS } from "../helpers/network-goldens.ts";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-rn-"));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const NICS = ["-m", "eth0,fa:16:3e:00:00:01", "-m", "eth1,fa:16:3e:00:00:02", "-m", "eth2,fa:16:3e:00:00:03"];
const input = (name: string) => join(INPUTS, name);

/** The golden's section for one path. */
function goldenFile(golden: string, path: string): string {
  const text = readFileSync(join(GOLDENS, golden), "utf8");
  const start = text.indexOf(`==> ${path} <==\n`);
  const body = text.slice(start + `==> ${path} <==\n`.length);
  const end = body.indexOf("\n==> ");
  return end < 0 ? body : body.slice(0, end + 1);
}

describe("agent render-network", () => {
  test("network_data.json for ubuntu: netplan by default, the golden's bytes, paths on stdout", async () => {
    const out = join(tempDir(), "new/out");
    const run = await runAgent(["render-network", "-p", input("openstack-bond-vlan.network_data.json"), "-k", "network_data.json", "-d", out, "-D", "ubuntu", ...NICS]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${out}/etc/netplan/50-tether.yaml\n`);
    expect(readFileSync(join(out, "etc/netplan/50-tether.yaml"), "utf8")).toBe(goldenFile("openstack-bond-vlan.network_data.json.netplan.txt", "/etc/netplan/50-tether.yaml"));
  });

  test("distro defaults: debian eni, rocky sysconfig, arch networkd; -O overrides", async () => {
    const cases: [string, string[], string][] = [
      ["debian", [], "etc/network/interfaces.d/50-tether.cfg"],
      ["rocky", [], "etc/sysconfig/network-scripts/ifcfg-eth0"],
      ["arch", [], "etc/systemd/network/10-tether-eth0.network"],
      ["ubuntu", ["-O", "networkd"], "etc/systemd/network/10-tether-eth0.network"],
    ];
    for (const [distro, extra, path] of cases) {
      const out = tempDir();
      const run = await runAgent(["render-network", "-p", input("v2-all.yaml"), "-k", "yaml", "-d", out, "-D", distro, ...extra, ...NICS]);
      expect(run.code).toBe(0);
      expect(existsSync(join(out, path))).toBe(true);
    }
  });

  test("-O with several formats renders each, byte for byte as one at a time", async () => {
    const all = tempDir();
    const run = await runAgent(["render-network", "-p", input("openstack-bond-vlan.network_data.json"), "-k", "network_data.json", "-d", all, "-D", "ubuntu", "-O", "eni,netplan,networkd", ...NICS]);
    expect(run.code).toBe(0);
    for (const format of ["eni", "netplan", "networkd"]) {
      const one = tempDir();
      const single = await runAgent(["render-network", "-p", input("openstack-bond-vlan.network_data.json"), "-k", "network_data.json", "-d", one, "-D", "ubuntu", "-O", format, "--json", ...NICS]);
      for (const file of JSON.parse(single.stdout).files as string[]) {
        expect(readFileSync(join(all, file.slice(one.length)), "utf8")).toBe(readFileSync(file, "utf8"));
      }
    }
    const bad = await runAgent(["render-network", "-p", input("v2-all.yaml"), "-k", "yaml", "-d", tempDir(), "-D", "ubuntu", "-O", "eni,ifcfg"]);
    expect(bad.code).toBe(2);
  });

  test("NetworkManager keyfiles are written 0600, the rest 0644; --json lists them", async () => {
    const out = tempDir();
    const run = await runAgent(["render-network", "-p", input("v1-all.yaml"), "-k", "v1", "-d", out, "-D", "rhel", "-O", "network-manager", "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ renderer: "network-manager", distro: "rhel", disabled: false });
    const keyfile = join(out, "etc/NetworkManager/system-connections/tether-eth0.nmconnection");
    expect(result.files).toContain(keyfile);
    expect(statSync(keyfile).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "etc/udev/rules.d/70-tether-net.rules")).mode & 0o777).toBe(0o644);
  });

  test("without -m, the NICs come from /sys/class/net under --root", async () => {
    const root = tempDir({ "sys/class/net/ens3/address": "FA:16:3E:00:00:01\n", "sys/class/net/lo/address": "00:00:00:00:00:00\n" });
    const out = tempDir();
    const run = await runAgent(["render-network", "--root", root, "-p", input("openstack-simple.network_data.json"), "-k", "network_data.json", "-d", out, "-D", "debian"]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, "etc/network/interfaces.d/50-tether.cfg"), "utf8")).toContain("iface ens3 inet static");
  });

  test("bad input: exit 1, every bad field named, nothing written", async () => {
    const bad = tempDir({
      "nd.json": JSON.stringify({
        links: [{ id: "a", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01" }, { id: "b", type: "infiniband-ish" }],
        networks: [
          { id: "n0", link: "a", type: "ipv4", ip_address: "10.0.0.5", netmask: "255.255.255.0" },
          { id: "n1", link: "a", type: "ipv4", ip_address: "10.0.1.5", netmask: "255.255.255.0", routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.9.9.1" }] },
        ],
      }),
    });
    const out = join(bad, "out");
    const run = await runAgent(["render-network", "-p", join(bad, "nd.json"), "-k", "network_data.json", "-d", out, "-D", "ubuntu", ...NICS]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${join(bad, "nd.json")}: links[1].type: unknown link type "infiniband-ish"`);
    expect(run.stderr).toContain(`agent: ${join(bad, "nd.json")}: networks[1].routes[0].gateway: 10.9.9.1 is not on any subnet of interface eth0`);
    expect(existsSync(out)).toBe(false);
    const json = await runAgent(["render-network", "-p", join(bad, "nd.json"), "-k", "network_data.json", "-d", out, "-D", "ubuntu", "--json", ...NICS]);
    expect(JSON.parse(json.stdout).error.problems).toContainEqual({ path: "networks[1].routes[0].gateway", message: "10.9.9.1 is not on any subnet of interface eth0" });
  });

  test("a MAC no NIC has is named with the NICs there are", async () => {
    const run = await runAgent(["render-network", "-p", input("xen.json"), "-k", "xen", "-d", tempDir(), "-D", "ubuntu", "-m", "eth0,fa:16:3e:00:00:01"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("fa163e000002.mac: fa:16:3e:00:00:02 matches no NIC on this machine (NICs here: eth0 fa:16:3e:00:00:01)");
  });

  test("-k v1 on a v2 file, and config: disabled", async () => {
    const run = await runAgent(["render-network", "-p", input("v2-all.yaml"), "-k", "v1", "-d", tempDir(), "-D", "ubuntu"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("network.version: -k v1 but the file says version 2");
    const dir = tempDir({ "off.yaml": "network:\n  config: disabled\n" });
    const off = await runAgent(["render-network", "-p", join(dir, "off.yaml"), "-k", "yaml", "-d", join(dir, "out"), "-D", "ubuntu"]);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain("network config disabled; nothing written");
    expect(readdirSync(join(dir, "out"))).toEqual([]);
  });

  const usage: [string[], string][] = [
    [["-p", "x", "-d", "o", "-D", "ubuntu"], "-k/--kind is required"],
    [["-p", "x", "-k", "json", "-d", "o", "-D", "ubuntu"], '-k/--kind "json": expected one of network_data.json, v1, v2, yaml, xen, ec2'],
    [["-p", "x", "-k", "yaml", "-d", "o", "-D", "freebsd"], '-D/--distro "freebsd"'],
    [["-p", "x", "-k", "yaml", "-d", "o", "-D", "ubuntu", "-O", "wicked"], '-O/--output-kind "wicked"'],
    [["-p", "x", "-k", "yaml", "-d", "o", "-D", "ubuntu", "-m", "eth0"], '-m "eth0": expected name,mac'],
    [["-p", "/nonexistent/x.yaml", "-k", "yaml", "-d", "o", "-D", "ubuntu"], "-p /nonexistent/x.yaml: no such"],
  ];
  for (const [argv, message] of usage) {
    test(`usage: render-network ${argv.join(" ")}`, async () => {
      const run = await runAgent(["render-network", ...argv]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    });
  }
});
