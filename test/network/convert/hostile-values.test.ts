/**
 * Regressions found by the fuzzer (test/fuzz/network-config.fuzz.test.ts): values a converter let
 * into the intermediate form that the model's schema refuses, and values whose error message
 * crashed the converter. Each was a TypeError, a RangeError or an invalid config before its fix.
 */
import { describe, expect, test } from "bun:test";
import { InputError } from "../../../src/errors.ts";
import type { SourceNetworkConfig } from "../../../src/model/instance-data.ts";
import { toNetworkConfig } from "../../../src/network/convert/index.ts";
import { sourceOf } from "../../../src/network/source-file.ts";

const NICS = [
  { name: "eth0", mac: "fa:16:3e:00:00:01" },
  { name: "eth1", mac: "fa:16:3e:00:00:02" },
];

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error("expected an InputError");
}

const convert = (format: SourceNetworkConfig["format"], config: Record<string, unknown>) => toNetworkConfig({ format, source: "t", config }, NICS);
const phy = (extra: Record<string, unknown> = {}) => ({ id: "a", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01", ...extra });

describe("route metrics in network_data.json", () => {
  test.each([["x"], [-1], [1.5]])("metric %p is refused at its field, not carried as NaN or a fraction", (metric) => {
    const problems = problemsOf(() =>
      convert("openstack", { links: [phy()], networks: [{ link: "a", type: "ipv4", ip_address: "10.0.0.2", netmask: "255.255.255.0", routes: [{ network: "10.1.0.0", netmask: "255.255.0.0", gateway: "10.0.0.1", metric }] }] }),
    );
    expect(problems).toEqual([`networks[0].routes[0].metric: expected a whole number, got ${JSON.stringify(metric)}`]);
  });

  test('a metric given as "5" is read as 5', () => {
    const config = convert("openstack", { links: [phy()], networks: [{ link: "a", type: "ipv4", ip_address: "10.0.0.2", netmask: "24", routes: [{ network: "10.1.0.0", netmask: "16", gateway: "10.0.0.1", metric: "5" }] }] });
    expect(config.interfaces[0]!.routes).toEqual([{ to: "10.1.0.0/16", via: "10.0.0.1", metric: 5 }]);
  });
});

describe("interface names are refused where the source gives them", () => {
  const BAD = ["eth 0", "eth0\nauto evil", "a-name-far-too-long", "a/b", "a:1", "..", "tab\there", "nul\0"];

  test.each(BAD.map((n) => [n]))("v1 name %p", (name) => {
    const problems = problemsOf(() => convert("v1", { version: 1, config: [{ type: "physical", name }] }));
    expect(problems).toEqual([`config[0].name: expected an interface name (1-15 characters; no white space, control characters, '/' or ':'), got ${JSON.stringify(name)}`]);
  });

  test("v1 members and VLAN links", () => {
    expect(problemsOf(() => convert("v1", { version: 1, config: [{ type: "bond", name: "bond0", bond_interfaces: ["eth0", "eth1\nx"] }] }))[0]).toStartWith("config[0].bond_interfaces[1]: expected an interface name");
    expect(problemsOf(() => convert("v1", { version: 1, config: [{ type: "vlan", name: "v", vlan_id: 5, vlan_link: "eth 0" }] }))[0]).toStartWith("config[0].vlan_link: expected an interface name");
  });

  test("v2 set-name, a literal match.name, and a bond's id", () => {
    expect(problemsOf(() => convert("v2", { version: 2, ethernets: { e: { match: { macaddress: "fa:16:3e:00:00:01" }, "set-name": "x y" } } }))[0]).toStartWith("ethernets.e.set-name: expected an interface name");
    expect(problemsOf(() => convert("v2", { version: 2, ethernets: { e: { match: { name: "much-too-long-name0" } } } }))[0]).toStartWith("ethernets.e.match.name: expected an interface name");
    expect(problemsOf(() => convert("v2", { version: 2, bonds: { "bond 0": { interfaces: [] } } }))[0]).toStartWith("bonds.bond 0: expected an interface name");
  });

  test("v2 match.name, a glob, may not hold white space or a line break", () => {
    expect(problemsOf(() => convert("v2", { version: 2, ethernets: { e: { match: { name: "en*\nName=evil" } } } }))).toEqual([
      'ethernets.e.match.name: expected a name or a glob without white space or control characters, got "en*\\nName=evil"',
    ]);
  });

  test("network_data.json: a link's name, and a VLAN's PARENT.ID past 15 characters", () => {
    expect(problemsOf(() => convert("openstack", { links: [phy({ name: "e\nx" })] }))[0]).toStartWith("links[0].name: expected an interface name");
    const vlan = { links: [phy({ name: "enp0s31f6abcd" }), { id: "v", type: "vlan", vlan_link: "a", vlan_id: 4000 }] };
    expect(problemsOf(() => convert("openstack", vlan))).toEqual([`links[1]: expected an interface name (1-15 characters; no white space, control characters, '/' or ':'), got "enp0s31f6abcd.4000"`]);
  });
});

describe("what reaches a config file's line is one line", () => {
  test("a search domain or a bond option holding a line break is refused (by the model's schema)", () => {
    const search = problemsOf(() => convert("v1", { version: 1, config: [{ type: "physical", name: "eth0", subnets: [{ type: "dhcp", dns_search: ["ok.example", "a\nb"] }] }] }));
    expect(search).toEqual(["interfaces.0.nameservers.search.1: expected one word (no white space or control characters)"]);
    const option = problemsOf(() => convert("v2", { version: 2, ethernets: { e0: {}, e1: {} }, bonds: { bond0: { interfaces: ["e0", "e1"], parameters: { "transmit-hash-policy": "layer2\nevil" } } } }));
    expect(option).toEqual(["interfaces.2.params.transmit-hash-policy: expected text without line breaks or control characters"]);
  });
});

describe("deeply nested values are refused, not echoed until the stack overflows", () => {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);

  test("a network_data.json nested 100,000 deep", () => {
    const text = `{"links": [{"id": "a", "type": ${deep(100_000)}}]}`;
    expect(problemsOf(() => sourceOf("network_data.json", text, "nd.json"))).toEqual([": refused JSON: nested deeper than 64 levels"]);
  });

  test("a vm-data/networking entry given as JSON text", () => {
    const entry = `{"mac": "fa:16:3e:00:00:01", "ips": [{"ip": ${deep(100_000)}}]}`;
    expect(problemsOf(() => convert("xen", { fa163e000001: entry }))).toEqual(["fa163e000001: refused JSON: nested deeper than 64 levels"]);
  });
});

describe("values whose toString is not a function", () => {
  // JSON and YAML make such objects ({"toString": 1}); String() and Number() throw a TypeError on them.
  const evil = JSON.parse('{"toString": 1}') as unknown;

  test("a bond option, a bond mode, a bridge option: refused at their fields", () => {
    expect(problemsOf(() => convert("v1", { version: 1, config: [{ type: "physical", name: "eth0" }, { type: "bond", name: "bond0", bond_interfaces: ["eth0"], params: { "bond-miimon": evil, "bond-mode": evil } }] }))).toEqual([
      'config[1].params.bond-miimon: expected a string, a number, true or false, or a list of them; got {"toString":1}',
      'config[1].params.bond-mode: unknown bond mode {"toString":1}; expected one of balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb (or 0-6)',
    ]);
    expect(problemsOf(() => convert("v2", { version: 2, ethernets: { e0: {} }, bridges: { br0: { interfaces: ["e0"], parameters: { stp: [evil] } } } }))[0]).toStartWith("bridges.br0.parameters.stp: expected a string, a number");
  });

  test("ids, links and numbers in network_data.json, EC2 and xen", () => {
    const bond = { links: [phy(), { id: "b", type: "bond", bond_links: [evil], bond_miimon: evil }, { id: "v", type: "vlan", vlan_link: evil, vlan_id: evil }], networks: [{ link: evil, type: "ipv4_dhcp" }] };
    expect(problemsOf(() => convert("openstack", bond))).toEqual([
      'links[1].bond_miimon: expected a string, a number, true or false, or a list of them; got {"toString":1}',
      'links[2].vlan_id: expected a VLAN id from 0 to 4094, got {"toString":1}',
      'links[2].vlan_link: no link has id {"toString":1}',
      'links[1].bond_links[0]: no link has id {"toString":1}',
      'networks[0].link: no link has id {"toString":1}',
    ]);
    expect(problemsOf(() => convert("ec2", { macs: { "fa:16:3e:00:00:01": { "device-number": evil, "local-ipv4s": evil } } }))[0]).toBe('macs.fa:16:3e:00:00:01.device-number: expected a whole number, got {"toString":1}');
    expect(convert("xen", { fa163e000001: { mac: "fa:16:3e:00:00:01", ips: [{ ip: "10.0.0.2", netmask: "24", enabled: evil }] } }).interfaces[0]!.addresses).toEqual([]);
  });
});
