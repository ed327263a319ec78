/**
 * Network configuration in every source format, through the entry point `agent render-network` and
 * boot share (sourceOf, then toNetworkConfig), then every renderer: what comes out must pass the
 * model's schema and hold no control characters, because renderers write it into line-based files.
 */
import { describe, test } from "bun:test";
import type { NetworkConfig, Nic } from "../../src/model/network.ts";
import { toNetworkConfig } from "../../src/network/convert/index.ts";
import { sourceOf, type Kind } from "../../src/network/source-file.ts";
import { RENDERERS } from "../../src/os/linux/network/index.ts";
import { expectValidNetworkConfig } from "./lib/checks.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { fixtureText, seedSet } from "./lib/seeds.ts";
import { docInput, type Format } from "./lib/structures.ts";

const NICS: Nic[] = [
  { name: "eth0", mac: "fa:16:3e:00:00:01" },
  { name: "eth1", mac: "fa:16:3e:00:00:02" },
  { name: "eth2", mac: "fa:16:3e:00:00:03" },
];

/** Small seeds beside the fixtures: each reaches a branch the big ones share with much else. */
const EXTRA: Record<string, string[]> = {
  "network_data.json": [
    '{"links":[{"id":"a","type":"phy","ethernet_mac_address":"fa:16:3e:00:00:01","mtu":9000}],"networks":[{"link":"a","type":"ipv6_slaac"},{"link":"a","type":"ipv4","ip_address":"10.0.0.2","netmask":"255.255.255.0","gateway":"10.0.0.1","routes":[{"network":"10.1.0.0","netmask":"255.255.0.0","gateway":"10.0.0.1","metric":5}],"dns_nameservers":["10.0.0.53"],"dns_search":"a.example b.example"}],"services":[{"type":"dns","address":"1.1.1.1"}]}',
    '{"links":[{"id":"b","type":"bond","bond_links":["p1","p2"],"bond_mode":"802.3ad","bond_miimon":100,"bond_xmit_hash_policy":"layer3+4","ethernet_mac_address":"fa:16:3e:00:00:09"},{"id":"p1","type":"ethernet","ethernet_mac_address":"fa:16:3e:00:00:02"},{"id":"p2","type":"vif","ethernet_mac_address":"fa:16:3e:00:00:03"},{"id":"v","type":"vlan","vlan_link":"b","vlan_id":42,"vlan_mac_address":"fa:16:3e:00:00:0a"}],"networks":[{"link":"v","type":"ipv4_dhcp"},{"link":"b","type":"ipv6_dhcpv6-stateful"}]}',
  ],
  v1: [
    "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets: [{type: dhcp}, {type: dhcp6, metric: 200}]\n",
    "network:\n  version: 1\n  config: disabled\n",
    "version: 1\nconfig:\n  - {type: physical, name: eth0, mac_address: 'fa:16:3e:00:00:01', accept-ra: yes, subnets: [{type: static, address: 10.0.0.5, prefix: 24, gateway: 10.0.0.1, metric: 10, mtu: 1400}, {type: manual}]}\n  - {type: nameserver, interface: eth0, address: 10.0.0.53, search: example.com}\n  - {type: route, network: 0.0.0.0, prefix: 0, gateway: 10.0.0.254}\n",
  ],
  v2: [
    "version: 2\nethernets:\n  id0:\n    match: {macaddress: 'fa:16:3e:00:00:01'}\n    set-name: eth0\n    dhcp4: true\n    dhcp4-overrides: {route-metric: 100}\n",
    "network:\n  version: 2\n  ethernets:\n    e: {match: {name: 'en*'}, dhcp6: true, accept-ra: false}\n  bridges:\n    br0: {interfaces: [e], parameters: {stp: false, forward-delay: 4}, addresses: [10.0.0.1/24], routes: [{to: default, via: 10.0.0.254, metric: 3}]}\n",
  ],
  ec2: ['{"fa:16:3e:00:00:01": {"device-number": "0", "local-ipv4s": "10.0.0.5\\n10.0.0.6", "subnet-ipv4-cidr-block": "10.0.0.0/24"}}'],
  xen: ['{"fa163e000003": {"mac": "fa:16:3e:00:00:03", "ips": [{"ip": "10.0.0.9", "netmask": "24", "enabled": "0"}], "ip6s": [], "routes": [], "dns": "10.0.0.53"}}'],
};

const FORMAT_WORDS = [
  "version", "config", "network", "disabled", "physical", "bond", "bridge", "vlan", "nameserver", "route", "loopback", "static", "static6", "dhcp", "dhcp4", "dhcp6",
  "ipv6_slaac", "manual", "ethernets", "bonds", "bridges", "vlans", "wifis", "renderer", "match", "set-name", "macaddress", "addresses", "gateway4", "gateway6", "routes",
  "to", "via", "metric", "on-link", "nameservers", "search", "parameters", "interfaces", "links", "networks", "services", "type", "id", "link", "phy", "vif", "ipv4", "ipv6",
  "ipv4_dhcp", "ipv6_dhcp", "bond_links", "bond_mode", "vlan_id", "vlan_link", "ethernet_mac_address", "ip_address", "netmask", "dns", "ips", "ip6s", "enabled", "gateway_v6",
  "macs", "device-number", "local-ipv4s", "ipv6s", "subnet-ipv4-cidr-block", "subnet-ipv6-cidr-blocks", "mtu", "name", "mac", "default", "0.0.0.0/0", "::/0",
];

interface Case {
  kind: Kind;
  text: string;
}

function target(name: string, kind: Kind, format: Format, fixtures: string[], extra: string[], count: number): FuzzTarget<Case> {
  const seeds = seedSet([...fixtures.map((f) => fixtureText(`network/input/${f}`)), ...extra], FORMAT_WORDS);
  const decoder = new TextDecoder();
  return {
    name,
    file: import.meta.path,
    count,
    // render-network reads the file as UTF-8 text (invalid bytes become U+FFFD): so does the fuzzer.
    generate: (rng) => ({ kind, text: decoder.decode(docInput(rng, { format, ...seeds, maxBytes: 2 << 20 })) }),
    run({ kind, text }) {
      const source = sourceOf(kind, text, `fuzz/${name}`);
      if (!source) return undefined;
      return toNetworkConfig(source, NICS);
    },
    check(config) {
      if (config === undefined) return;
      expectValidNetworkConfig(config, "the converted config");
      // Every renderer, as boot would pick one of them: a valid config must render.
      for (const render of Object.values(RENDERERS)) render(config as NetworkConfig);
    },
    show: ({ text }) => JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text),
    bytes: ({ text }) => text,
  };
}

const TARGETS = [
  target("network_data.json", "network_data.json", "json", ["openstack-simple.network_data.json", "openstack-bond-vlan.network_data.json"], EXTRA["network_data.json"]!, 2500),
  target("network-config v1", "yaml", "yaml", ["v1-all.yaml"], EXTRA.v1!, 1000),
  target("network-config v2", "yaml", "yaml", ["v2-all.yaml"], EXTRA.v2!, 1000),
  target("ec2 network tree (json)", "ec2", "json", ["ec2.json"], EXTRA.ec2!, 2000),
  target("xen vm-data/networking (json)", "xen", "json", ["xen.json"], EXTRA.xen!, 2000),
];

describe("fuzz: network configuration", () => {
  for (const t of TARGETS) {
    test(t.name, async () => expectClean(await fuzz(t), t), timeoutFor(t.count, 20));
  }
});
