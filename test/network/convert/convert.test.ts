import { describe, expect, test } from "bun:test";
import { InputError } from "../../../src/errors.ts";
import type { SourceNetworkConfig } from "../../../src/model/instance-data.ts";
import type { Interface, NetworkConfig } from "../../../src/model/network.ts";
import { fromEc2, fromOpenstack, fromV1, fromV2, fromXen, toNetworkConfig } from "../../../src/network/convert/index.ts";
import { convertFixture } from "../../helpers/network-goldens.ts";

const NICS = [
  { name: "eth0", mac: "fa:16:3e:00:00:01" },
  { name: "eth1", mac: "fa:16:3e:00:00:02" },
];

const byName = (config: NetworkConfig, name: string) => config.interfaces.find((i) => i.name === name) as Interface;

function problemsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("network_data.json", () => {
  test("phy named by MAC (any case), bond numbered, vlan PARENT.ID, dns services global", () => {
    const config = convertFixture("openstack-bond-vlan.network_data.json");
    expect(config.interfaces.map((i) => `${i.kind}:${i.name}`)).toEqual(["physical:eth0", "physical:eth1", "bond:bond0", "vlan:bond0.101", "physical:eth2"]);
    expect(byName(config, "bond0")).toMatchObject({ members: ["eth0", "eth1"], mode: "802.3ad", params: { "mii-monitor-interval": 100, "transmit-hash-policy": "layer3+4" }, dhcp4: true, mtu: 9000 });
    expect(byName(config, "bond0.101")).toMatchObject({ id: 101, link: "bond0", addresses: ["10.1.0.5/16"], routes: [{ to: "10.2.0.0/16", via: "10.1.0.1" }] });
    expect(byName(config, "eth2")).toMatchObject({ dhcp4: true, ipv6: "slaac" });
    expect(config.nameservers.addresses).toEqual(["10.1.0.2", "2001:db8::53"]);
  });

  test("static ipv6 turns RA off; the default route stays a route", () => {
    const config = convertFixture("openstack-simple.network_data.json");
    expect(byName(config, "eth0")).toMatchObject({
      mtu: 1450,
      acceptRa: false,
      addresses: ["192.0.2.10/24", "2001:db8:0:1::10/64"],
      routes: [{ to: "0.0.0.0/0", via: "192.0.2.1" }, { to: "198.51.100.0/24", via: "192.0.2.254" }, { to: "::/0", via: "2001:db8:0:1::1" }],
      nameservers: { addresses: ["192.0.2.53"] },
    });
  });

  test("every network type", () => {
    const types = { ipv6_dhcp: "dhcp6", "ipv6_dhcpv6-stateful": "dhcp6", "ipv6_dhcpv6-stateless": "dhcp6-stateless", ipv6_slaac: "slaac" } as const;
    for (const [type, ipv6] of Object.entries(types)) {
      const config = fromOpenstack({ links: [{ id: "a", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01" }], networks: [{ id: "n", link: "a", type }] }, NICS, "nd");
      expect(config.interfaces[0]).toMatchObject({ ipv6 });
    }
  });

  test("bad input: every problem named by its field; an off-link gateway names the interface", () => {
    const problems = problemsOf(() =>
      fromOpenstack(
        {
          links: [
            { id: "a", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01" },
            { id: "b", type: "wormhole" },
            { id: "c", type: "phy", ethernet_mac_address: "fa:16:3e:99:99:99" },
            { id: "d", type: "bond", bond_links: ["a", "zz"], bond_mode: "fastest" },
          ],
          networks: [
            { id: "n0", link: "a", type: "ipv4", ip_address: "10.0.0.5", netmask: "255.255.255.0" },
            { id: "n1", link: "a", type: "ipv4", ip_address: "10.0.1.5", netmask: "255.255.255.0", routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.9.9.1" }] },
            { id: "n2", link: "a", type: "ipv4", ip_address: "10.0.300.5", netmask: "255.0.255.0" },
            { id: "n3", link: "nope", type: "ipv4_dhcp" },
            { id: "n4", link: "a", type: "ipv5" },
          ],
        },
        NICS,
        "network_data.json",
      ),
    );
    expect(problems).toEqual([
      { path: "links[1].type", message: expect.stringContaining('unknown link type "wormhole"') },
      { path: "links[2].ethernet_mac_address", message: "fa:16:3e:99:99:99 matches no NIC on this machine (NICs here: eth0 fa:16:3e:00:00:01, eth1 fa:16:3e:00:00:02)" },
      { path: "links[3].bond_mode", message: expect.stringContaining('unknown bond mode "fastest"') },
      { path: "links[3].bond_links[1]", message: 'no link has id "zz"' },
      { path: "networks[2].ip_address", message: expect.stringContaining("10.0.300.5") },
      { path: "networks[3].link", message: 'no link has id "nope"' },
      { path: "networks[4].type", message: expect.stringContaining('unknown network type "ipv5"') },
      { path: "networks[1].routes[0].gateway", message: "10.9.9.1 is not on any subnet of interface eth0" },
    ]);
  });

  test("duplicate names are refused", () => {
    const problems = problemsOf(() =>
      fromOpenstack({ links: [{ id: "a", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01" }, { id: "b", type: "phy", name: "eth0" }] }, NICS, "nd"),
    );
    expect(problems).toEqual([{ path: "links[1]", message: "duplicate interface name eth0 (also links[0])" }]);
  });
});

describe("network config v1", () => {
  test("all types; placeholders for undeclared members; a global route goes where its gateway is", () => {
    const config = convertFixture("v1-all.yaml");
    expect(byName(config, "eth0")).toMatchObject({ match: { mac: "fa:16:3e:00:00:01" }, rename: true, mtu: 1500, routes: [{ to: "0.0.0.0/0", via: "192.0.2.1" }, { to: "::/0", via: "2001:db8::1" }] });
    expect(byName(config, "bond0")).toMatchObject({ mode: "active-backup", params: { "mii-monitor-interval": 100 }, dhcp4: true, ipv6: "dhcp6-stateless" });
    expect(byName(config, "bond0.200").routes).toEqual([{ to: "10.30.0.0/16", via: "10.20.0.1", metric: 50 }]);
    expect(byName(config, "br0")).toMatchObject({ members: ["eth3"], params: { stp: false, "forward-delay": 0 }, routes: [{ to: "203.0.113.0/24", via: "172.16.0.254" }] });
    expect(byName(config, "eth3")).toMatchObject({ kind: "physical", match: {}, rename: false });
    expect(config.nameservers).toEqual({ addresses: ["1.1.1.1"], search: ["corp.example"] });
  });

  test("every subnet type", () => {
    const cases: [string, Partial<Interface>][] = [
      ["dhcp", { dhcp4: true }],
      ["dhcp4", { dhcp4: true }],
      ["dhcp6", { ipv6: "dhcp6" }],
      ["ipv6_slaac", { ipv6: "slaac" }],
      ["ipv6_dhcpv6-stateless", { ipv6: "dhcp6-stateless" }],
      ["ipv6_dhcpv6-stateful", { ipv6: "dhcp6" }],
      ["manual", { dhcp4: false, ipv6: "none", addresses: [] }],
    ];
    for (const [type, want] of cases) expect(fromV1({ config: [{ type: "physical", name: "eth0", subnets: [{ type }] }] }, [], "v1").interfaces[0]).toMatchObject(want);
  });

  test("bad input", () => {
    const problems = problemsOf(() =>
      fromV1(
        {
          config: [
            { type: "physical", name: "eth0", subnets: [{ type: "static", address: "10.0.0.5/24", gateway: "10.9.9.1" }, { type: "static6", address: "2001:db8::zz/64" }, { type: "dhcp7" }] },
            { type: "tunnel", name: "t0" },
            { type: "physical", name: "eth0" },
            { type: "route", destination: "192.168.0.0/16", gateway: "172.16.9.9" },
            { type: "nameserver", address: "1.1.1.1", interface: "eth9" },
          ],
        },
        [],
        "v1.yaml",
      ),
    );
    expect(problems).toEqual([
      { path: "config[0].subnets[1].address", message: expect.stringContaining("2001:db8::zz/64") },
      { path: "config[0].subnets[2].type", message: expect.stringContaining('unknown subnet type "dhcp7"') },
      { path: "config[1].type", message: expect.stringContaining('unknown type "tunnel"') },
      { path: "config[3].gateway", message: "172.16.9.9 is not on any subnet of any interface" },
      { path: "config[4].interface", message: 'no interface is named "eth9"' },
      { path: "config[0].subnets[0].gateway", message: "10.9.9.1 is not on any subnet of interface eth0" },
      { path: "config[2]", message: "duplicate interface name eth0 (also config[0])" },
    ]);
  });
});

describe("network config v2", () => {
  test("match/set-name, bonds by ethernet id, to: default, nameservers", () => {
    const config = convertFixture("v2-all.yaml");
    expect(byName(config, "eth0")).toMatchObject({ match: { mac: "fa:16:3e:00:00:01" }, rename: true, routes: [{ to: "0.0.0.0/0", via: "192.0.2.1" }, { to: "::/0", via: "2001:db8::1" }, { to: "198.51.100.0/24", via: "192.0.2.254", metric: 200 }] });
    expect(byName(config, "bond0")).toMatchObject({ members: ["eth1", "eth2"], mode: "802.3ad", params: { "lacp-rate": "fast" } });
    expect(byName(config, "bond0.300")).toMatchObject({ id: 300, link: "bond0" });
  });

  test("without set-name, a MAC match takes the host NIC's name; a literal match.name is the name", () => {
    const config = fromV2({ version: 2, ethernets: { nic: { match: { macaddress: "FA:16:3E:00:00:02" }, dhcp4: true }, lan: { match: { name: "ens3" } }, any: { match: { name: "en*" } } } }, NICS, "v2");
    expect(config.interfaces.map((i) => i.name)).toEqual(["eth1", "ens3", "any"]);
    expect(config.interfaces[0]).toMatchObject({ rename: false, match: { mac: "fa:16:3e:00:00:02" } });
  });

  test("bad input", () => {
    const problems = problemsOf(() =>
      fromV2(
        {
          version: 2,
          ethernets: { eth0: { addresses: ["10.0.0.5/24"], routes: [{ to: "default", via: "10.0.1.1" }], dhcp4: "yes" } },
          bonds: { bond0: { interfaces: ["eth0", "eth7"], parameters: { mode: "802.3ad", "mii-monitor-intervall": 100 } } },
          vlans: { v100: { id: 5000, link: "eth0" }, v101: { id: 101, link: "eth8" } },
          wifis: {},
        },
        [],
        "v2.yaml",
      ),
    );
    expect(problems).toEqual([
      { path: "wifis", message: "wifi is not supported" },
      { path: "ethernets.eth0.dhcp4", message: 'expected true or false, got "yes"' },
      { path: "bonds.bond0.parameters.mii-monitor-intervall", message: "unknown bond parameter" },
      { path: "vlans.v100.id", message: "expected a VLAN id from 0 to 4094, got 5000" },
      { path: "vlans.v101.link", message: '"eth8" is not defined under ethernets, bonds, bridges or vlans' },
      { path: "bonds.bond0.interfaces[1]", message: '"eth7" is not defined under ethernets, bonds, bridges or vlans' },
      { path: "ethernets.eth0.routes[0].via", message: "10.0.1.1 is not on any subnet of interface eth0" },
    ]);
  });
});

describe("XenStore vm-data/networking", () => {
  test("entries keyed by MAC, objects or JSON strings; per-entry gateways; link-local v6 gateways are on-link", () => {
    const config = convertFixture("xen.json");
    expect(byName(config, "eth0")).toMatchObject({
      addresses: ["198.51.100.20/24", "2001:db8:1::20/64"],
      routes: [{ to: "0.0.0.0/0", via: "198.51.100.1" }, { to: "::/0", via: "fe80::1" }],
      nameservers: { addresses: ["198.51.100.53", "198.51.100.54"] },
    });
    expect(byName(config, "eth1")).toMatchObject({ addresses: ["10.180.0.20/19"], routes: [{ to: "10.176.0.0/12", via: "10.180.0.1" }] });
  });

  test("disabled addresses are skipped; unknown MACs and off-link gateways are refused", () => {
    const config = fromXen({ fa163e000001: { ips: [{ ip: "10.0.0.5", netmask: "255.255.255.0", enabled: "0" }] } }, NICS, "xen");
    expect(config.interfaces[0]?.addresses).toEqual([]);
    const problems = problemsOf(() =>
      fromXen({ fa163e000009: { ips: [] }, fa163e000001: { gateway: "10.9.9.1", ips: [{ ip: "10.0.0.5", netmask: "255.255.255.0", enabled: "1" }] } }, NICS, "xen"),
    );
    expect(problems).toEqual([
      { path: "fa163e000001.gateway", message: "10.9.9.1 is not on any subnet of interface eth0" },
      { path: "fa163e000009.mac", message: expect.stringContaining("fa:16:3e:00:00:09 matches no NIC") },
    ].sort((a, b) => (a.path < b.path ? 1 : -1)));
  });
});

describe("EC2 macs tree", () => {
  test("every NIC DHCPv4, metrics by device number, secondary addresses static", () => {
    const config = convertFixture("ec2.json");
    expect(byName(config, "eth0")).toMatchObject({ dhcp4: true, ipv6: "dhcp6", dhcpRouteMetric: 100, addresses: ["172.31.10.6/20"] });
    expect(byName(config, "eth1")).toMatchObject({ dhcp4: true, ipv6: "none", dhcpRouteMetric: 200, addresses: [] });
  });

  test("one NIC: no metric; the transport's string device-number is read too", () => {
    const config = fromEc2({ macs: { "fa:16:3e:00:00:01": { "device-number": "0", "local-ipv4s": ["10.0.0.5"] } } }, NICS, "ec2");
    expect(config.interfaces[0]).toMatchObject({ name: "eth0", dhcp4: true });
    expect(config.interfaces[0]?.dhcpRouteMetric).toBeUndefined();
  });
});

test("toNetworkConfig dispatches by format", () => {
  const source: SourceNetworkConfig = { format: "v2", source: "x", config: { version: 2, ethernets: { eth0: { dhcp4: true } } } };
  expect(toNetworkConfig(source, [])).toMatchObject({ interfaces: [{ name: "eth0", dhcp4: true }] });
});
