/**
 * Lane 2: our render-network against cloud-init's `devel net-convert` (Debian's cloud-init) on the
 * same inputs with the same flags, compared by MEANING per interface, and our output checked by
 * the real validators (`netplan generate`, `ifup --no-act`). Where we deliberately differ, the
 * case says so and why; nothing is skipped.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INPUTS } from "../helpers/network-goldens.ts";
import { runAgent, runArgv } from "../helpers/run-agent.ts";
import { eniMeaning, netplanMeaning, type Meaning } from "./network-meaning.ts";

const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
const NICS = ["-m", "eth0,fa:16:3e:00:00:01", "-m", "eth1,fa:16:3e:00:00:02", "-m", "eth2,fa:16:3e:00:00:03"];
const temps: string[] = [];

const need = { "cloud-init": "cloud-init", netplan: "netplan.io", ifup: "ifupdown" };

beforeAll(async () => {
  const missing = Object.entries(need).filter(([program]) => !Bun.which(program, { PATH }));
  if (!missing.length) return;
  const packages = [...new Set(missing.map(([, p]) => p))];
  const install = await runArgv(["apt-get", "install", "-y", "--no-install-recommends", ...packages], { env: { PATH, DEBIAN_FRONTEND: "noninteractive" } });
  const still = Object.keys(need).filter((program) => !Bun.which(program, { PATH }));
  if (still.length) throw new Error(`the network peers are missing (${still.join(", ")}) and apt-get install ${packages.join(" ")} failed (exit ${install.code}): ${install.stderr.slice(-500)}`);
}, 300_000);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-peer-"));
  temps.push(dir);
  return dir;
}
process.on("exit", () => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

const kindOf = (file: string) => (file.endsWith(".json") ? "network_data.json" : "yaml");

function onlyFile(dir: string, sub: string): string {
  const files = readdirSync(join(dir, sub));
  expect(files).toHaveLength(1);
  return readFileSync(join(dir, sub, files[0] as string), "utf8");
}

async function cloudInit(file: string, distro: string, format: string): Promise<{ code: number; stderr: string; dir: string }> {
  const dir = tempDir();
  const run = await runArgv(["cloud-init", "devel", "net-convert", "-p", join(INPUTS, file), "-k", kindOf(file), "-d", dir, "-D", distro, "-O", format, ...NICS], { env: { PATH } });
  return { code: run.code, stderr: run.stderr, dir };
}

async function ours(file: string, distro: string, format: string): Promise<string> {
  const dir = tempDir();
  const run = await runAgent(["render-network", "-p", join(INPUTS, file), "-k", kindOf(file), "-d", dir, "-D", distro, "-O", format, ...NICS]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return dir;
}

const blankPhysical = (): Meaning => ({ kind: "physical", addresses: [], dhcp4: false, ipv6: "none", routes: [], dns: [], search: [] });

/** Deliberate differences, applied to cloud-init's meaning before comparing; each says why. */
type Adjust = (theirs: Record<string, Meaning>) => void;

const NETPLAN_CASES: [string, string, Adjust][] = [
  ["openstack-simple.network_data.json", "identical meaning", () => {}],
  [
    "openstack-bond-vlan.network_data.json",
    "ipv6_slaac: cloud-init writes dhcp6: true (starting a DHCPv6 client the network did not ask for); we write accept-ra: true alone",
    (t) => void ((t.eth2 as Meaning).ipv6 = "ra"),
  ],
  [
    "v1-all.yaml",
    "cloud-init's netplan renderer drops v1 `route` entries and leaves the undeclared bridge member eth3 out (netplan then rejects br0); we put the route on br0, whose subnet holds its gateway, and declare eth3",
    (t) => {
      (t.br0 as Meaning).routes = [...(t.br0 as Meaning).routes, "203.0.113.0/24 via 172.16.0.254"].sort();
      t.eth3 = blankPhysical();
    },
  ],
  ["v2-all.yaml", "identical meaning (cloud-init passes v2 through)", () => {}],
];

describe("peers: cloud-init devel net-convert, netplan", () => {
  for (const [file, why, adjust] of NETPLAN_CASES) {
    test(`${file}: ${why}`, async () => {
      const peer = await cloudInit(file, "ubuntu", "netplan");
      expect(peer.code).toBe(0);
      const theirs = netplanMeaning(onlyFile(peer.dir, "etc/netplan"));
      adjust(theirs);
      const mine = netplanMeaning(onlyFile(await ours(file, "ubuntu", "netplan"), "etc/netplan"));
      expect(mine).toEqual(theirs);
    }, 30_000);
  }
});

describe("peers: cloud-init devel net-convert, eni", () => {
  for (const file of ["openstack-simple.network_data.json", "openstack-bond-vlan.network_data.json"]) {
    test(`${file}: identical meaning (routes as post-up route vs up ip route, bond_x vs bond-x spellings aside)`, async () => {
      const peer = await cloudInit(file, "debian", "eni");
      expect(peer.code).toBe(0);
      const theirs = eniMeaning(onlyFile(peer.dir, "etc/network/interfaces.d"));
      const mine = eniMeaning(onlyFile(await ours(file, "debian", "eni"), "etc/network/interfaces.d"));
      expect(mine).toEqual(theirs);
    }, 30_000);
  }

  // cloud-init 22.4's eni renderer fails on these inputs; ours renders them, and ifup accepts the result.
  const crashes: [string, string][] = [
    ["v1-all.yaml", "KeyError: None"], // an undeclared bridge member gets no type, and eni sorts by type
    ["v2-all.yaml", "Address default is not a valid ip address"], // v2 `to: default` is not understood
  ];
  for (const [file, error] of crashes) {
    test(`${file}: cloud-init fails (${error}); we render it and ifup --no-act accepts it`, async () => {
      const peer = await cloudInit(file, "debian", "eni");
      expect(peer.code).not.toBe(0);
      expect(peer.stderr).toContain(error);
      const dir = await ours(file, "debian", "eni");
      const check = await runArgv(["ifup", "--no-act", "-i", join(dir, "etc/network/interfaces.d/50-tether.cfg"), "-a"], { env: { PATH } });
      expect(check.stderr).not.toContain("ifup:");
      expect(check.code).toBe(0);
    }, 30_000);
  }
});

describe("real validators on our output", () => {
  for (const file of readdirSync(INPUTS).sort()) {
    const kind = file.endsWith(".network_data.json") ? "network_data.json" : file.startsWith("xen") ? "xen" : file.startsWith("ec2") ? "ec2" : "yaml";
    test(`${file}: netplan generate --root-dir accepts our netplan`, async () => {
      const dir = tempDir();
      const run = await runAgent(["render-network", "-p", join(INPUTS, file), "-k", kind, "-d", dir, "-D", "ubuntu", ...NICS]);
      expect(run.code).toBe(0);
      const check = await runArgv(["netplan", "generate", "--root-dir", dir], { env: { PATH } });
      expect(check.stderr).toBe("");
      expect(check.code).toBe(0);
      expect(readdirSync(join(dir, "run/systemd/network")).length).toBeGreaterThan(0);
    }, 30_000);

    test(`${file}: ifup --no-act and ifquery accept our eni`, async () => {
      const dir = tempDir();
      const run = await runAgent(["render-network", "-p", join(INPUTS, file), "-k", kind, "-d", dir, "-D", "debian", ...NICS]);
      expect(run.code).toBe(0);
      const eni = join(dir, "etc/network/interfaces.d/50-tether.cfg");
      const check = await runArgv(["ifup", "--no-act", "-i", eni, "-a"], { env: { PATH } });
      expect(check.stderr).not.toContain("ifup:");
      expect(check.code).toBe(0);
      const list = await runArgv(["ifquery", "-i", eni, "-l"], { env: { PATH } });
      expect(list.code).toBe(0);
      expect(list.stdout).toContain("lo\n");
    }, 30_000);
  }
});
