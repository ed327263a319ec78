import { describe, expect, test } from "bun:test";
import type { BootInputs } from "../../../src/actions/inputs.ts";
import { InputError } from "../../../src/errors.ts";
import { blankInterface, emptyNameservers, NetworkConfigSchema, type Interface, type NetworkConfig, type Physical } from "../../../src/model/network.ts";
import { parseWith } from "../../../src/model/validate.ts";
import { setNetworkData, windowsNetworkAction } from "../../../src/os/windows/actions/network.ts";
import { windowsNetworkSpec, type AdapterSpec } from "../../../src/os/windows/network-spec.ts";
import { asciiJson } from "../../../src/os/windows/powershell.ts";
import { SET_NETWORK } from "../../../src/os/windows/scripts/set-network.ts";
import { instanceData } from "../../actions/identity-helpers.ts";
import { thrown } from "../../helpers/failure.ts";
import { offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

const MAC1 = "fa:16:3e:00:00:01";
const MAC2 = "fa:16:3e:00:00:02";
const ADAPTERS = [
  { name: "Ethernet", mac: MAC1 },
  { name: "Ethernet 2", mac: MAC2 },
];

const physical = (name: string, mac: string | undefined, extra: Partial<Physical> = {}): Physical => ({ ...blankInterface(name), kind: "physical", match: mac ? { mac } : {}, rename: false, ...extra });
/** Through the real schema, so that a test cannot build a configuration the converters could not. */
const config = (interfaces: Interface[], nameservers = emptyNameservers()): NetworkConfig => parseWith(NetworkConfigSchema, { interfaces, nameservers }, "test");
const only = (spec: { adapters: AdapterSpec[] }): AdapterSpec => {
  expect(spec.adapters).toHaveLength(1);
  return spec.adapters[0] as AdapterSpec;
};

describe("windowsNetworkSpec: matching interfaces to adapters", () => {
  test("by MAC, whatever the names: the adapter's MAC as Windows writes it, and its current name", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC2, { dhcp4: true }), physical("eth1", MAC1, { dhcp4: true })]), ADAPTERS);
    expect(spec.adapters.map((a) => [a.interface, a.mac, a.name])).toEqual([
      ["eth0", "FA-16-3E-00-00-02", "Ethernet 2"],
      ["eth1", "FA-16-3E-00-00-01", "Ethernet"],
    ]);
    expect(spec.notes).toEqual([]);
  });

  test("a MAC no adapter has is a note, not a failure; the rest is configured", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true }), physical("eth9", "fa:16:3e:00:00:99", { dhcp4: true })]), ADAPTERS);
    expect(spec.adapters.map((a) => a.interface)).toEqual(["eth0"]);
    expect(spec.notes).toEqual(["interface eth9 (fa:16:3e:00:00:99) is not configured: no network adapter has MAC FA-16-3E-00-00-99"]);
  });

  test("two adapters with one MAC: which is meant is unknown, so neither is touched", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true })]), [...ADAPTERS, { name: "vEthernet (External)", mac: MAC1 }]);
    expect(spec.adapters).toEqual([]);
    expect(spec.notes).toEqual(['interface eth0 (fa:16:3e:00:00:01) is not configured: 2 adapters have MAC FA-16-3E-00-00-01 ("Ethernet", "vEthernet (External)")']);
  });

  test("without a MAC: by name only when an adapter is called exactly that (Windows ignores case); else a note", () => {
    const named = windowsNetworkSpec(config([physical("ethernet", undefined, { dhcp4: true })]), ADAPTERS);
    expect(only(named)).toMatchObject({ mac: "FA-16-3E-00-00-01", name: "Ethernet", interface: "ethernet" });
    const byMatchName = windowsNetworkSpec(config([physical("lan", undefined, { dhcp4: true, match: { name: "Ethernet" } })]), ADAPTERS);
    expect(only(byMatchName).name).toBe("Ethernet");
    const linux = windowsNetworkSpec(config([physical("eth0", undefined, { dhcp4: true })]), ADAPTERS);
    expect(linux.adapters).toEqual([]);
    expect(linux.notes).toEqual(['interface eth0 has no MAC address and no network adapter is named "eth0": not configured (Windows adapters are matched by MAC)']);
  });

  test("two interfaces on one adapter contradict each other: an InputError naming both, before any change", () => {
    const error = thrown(() => windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true }), physical("Ethernet", undefined, { dhcp4: true })]), ADAPTERS));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual([
      { path: "interfaces[1]", message: 'interface Ethernet matches adapter "Ethernet" (FA-16-3E-00-00-01), as interface eth0 (interfaces[0]) does: one adapter takes one configuration' },
    ]);
    expect(error.message).toStartWith("network configuration: interfaces[1]: ");
  });
});

describe("windowsNetworkSpec: what Windows cannot take", () => {
  const bond: Interface = { ...blankInterface("bond0"), kind: "bond", members: ["eth0", "eth1"], mode: "802.3ad", params: {}, dhcp4: true };
  const vlan: Interface = { ...blankInterface("eth0.100"), kind: "vlan", id: 100, link: "eth0", addresses: ["10.100.0.5/24"] };
  const bridge: Interface = { ...blankInterface("br0"), kind: "bridge", members: ["eth1"], params: {}, addresses: ["172.16.0.1/24"] };

  test("a bond is skipped with a note naming it, and its members are left alone though their MACs match", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1), physical("eth1", MAC2), bond]), ADAPTERS);
    expect(spec.adapters).toEqual([]);
    expect(spec.notes).toEqual(["bond bond0 (eth0, eth1) is not configured: Windows has no bonding the agent can set up safely (LBFO teaming is deprecated); its members are left as Windows has them"]);
  });

  test("a VLAN on a physical interface is skipped; the interface itself is configured", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { addresses: ["192.0.2.10/24"] }), vlan]), ADAPTERS);
    expect(only(spec).ipv4.addresses).toEqual([{ ip: "192.0.2.10", prefixLength: 24 }]);
    expect(spec.notes).toEqual(["VLAN eth0.100 (id 100 on eth0) is not configured: on Windows a VLAN is a setting of the adapter's driver, which the agent does not change"]);
  });

  test("a bridge is skipped with its member; what remains is configured", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true }), physical("eth1", MAC2), bridge]), ADAPTERS);
    expect(spec.adapters.map((a) => a.interface)).toEqual(["eth0"]);
    expect(spec.notes).toEqual(["bridge br0 (eth1) is not configured: Windows has no bridge the agent can set up; its members are left as Windows has them"]);
  });
});

describe("windowsNetworkSpec: addressing", () => {
  test("DHCP: on, no static address; static: DHCP off, each address with its prefix length", () => {
    const dhcp = only(windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true })]), ADAPTERS));
    expect(dhcp.ipv4).toEqual({ dhcp: true, addresses: [], routes: [], dns: [], mtu: null, interfaceMetric: null });
    const fixed = only(windowsNetworkSpec(config([physical("eth0", MAC1, { addresses: ["192.0.2.10/24", "192.0.2.11/32"] })]), ADAPTERS));
    expect(fixed.ipv4).toMatchObject({ dhcp: false, addresses: [{ ip: "192.0.2.10", prefixLength: 24 }, { ip: "192.0.2.11", prefixLength: 32 }] });
  });

  test("DHCP with static IPv4 addresses: DHCP kept, the addresses left out with a note (Windows takes one or the other)", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true, addresses: ["172.31.10.6/20"] })]), ADAPTERS);
    expect(only(spec).ipv4).toMatchObject({ dhcp: true, addresses: [] });
    expect(spec.notes).toEqual(['interface eth0 (adapter "Ethernet"): static IPv4 172.31.10.6/20 not set: Windows takes either DHCP or static IPv4 addresses on one adapter, and this one uses DHCP']);
  });

  test("IPv6 modes: DHCPv6 and router discovery as the mode says; 'none' leaves Windows' settings unless static addresses need DHCPv6 off", () => {
    const v6 = (extra: Partial<Physical>) => only(windowsNetworkSpec(config([physical("eth0", MAC1, extra)]), ADAPTERS)).ipv6;
    expect(v6({ ipv6: "dhcp6" })).toMatchObject({ dhcp: true, routerDiscovery: true });
    expect(v6({ ipv6: "dhcp6-stateless" })).toMatchObject({ dhcp: true, routerDiscovery: true });
    expect(v6({ ipv6: "slaac" })).toMatchObject({ dhcp: false, routerDiscovery: true });
    expect(v6({ ipv6: "none" })).toMatchObject({ dhcp: null, routerDiscovery: null, addresses: [] });
    expect(v6({ addresses: ["2001:db8::10/64"] })).toMatchObject({ dhcp: false, routerDiscovery: null, addresses: [{ ip: "2001:db8::10", prefixLength: 64 }] });
    expect(v6({ addresses: ["2001:db8::10/64"], acceptRa: false })).toMatchObject({ dhcp: false, routerDiscovery: false });
    expect(v6({ ipv6: "slaac", acceptRa: false })).toMatchObject({ routerDiscovery: false });
  });

  test("DHCPv6 with static IPv6 addresses: DHCPv6 kept, the addresses left out with a note", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { ipv6: "dhcp6", addresses: ["2001:db8::10/64", "192.0.2.10/24"] })]), ADAPTERS);
    expect(only(spec).ipv6).toMatchObject({ dhcp: true, addresses: [] });
    expect(only(spec).ipv4.addresses).toEqual([{ ip: "192.0.2.10", prefixLength: 24 }]);
    expect(spec.notes).toEqual(['interface eth0 (adapter "Ethernet"): static IPv6 2001:db8::10/64 not set: Windows takes either DHCPv6 or static IPv6 addresses on one adapter, and this one uses DHCPv6']);
  });

  test("routes by family: the network address (host bits zero), on-link next hops as Windows writes them, metric 256 unless given", () => {
    const iface = physical("eth0", MAC1, {
      addresses: ["192.0.2.10/24", "2001:db8::10/64"],
      routes: [
        { to: "0.0.0.0/0", via: "192.0.2.1" },
        { to: "10.1.2.3/16", via: "192.0.2.254", metric: 50 },
        { to: "198.51.100.0/24" },
        { to: "::/0", via: "fe80::1" },
        { to: "2001:db8:1::/48" },
      ],
    });
    const spec = only(windowsNetworkSpec(config([iface]), ADAPTERS));
    expect(spec.ipv4.routes).toEqual([
      { destination: "0.0.0.0/0", nextHop: "192.0.2.1", metric: 256 },
      { destination: "10.1.0.0/16", nextHop: "192.0.2.254", metric: 50 },
      { destination: "198.51.100.0/24", nextHop: "0.0.0.0", metric: 256 },
    ]);
    expect(spec.ipv6.routes).toEqual([
      { destination: "::/0", nextHop: "fe80::1", metric: 256 },
      { destination: "2001:db8:1::/48", nextHop: "::", metric: 256 },
    ]);
  });

  test("MTU for both families; under IPv6's 1280 for IPv4 only, with a note", () => {
    const both = only(windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true, mtu: 9000 })]), ADAPTERS));
    expect([both.ipv4.mtu, both.ipv6.mtu]).toEqual([9000, 9000]);
    const small = windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true, mtu: 1200 })]), ADAPTERS);
    expect([only(small).ipv4.mtu, only(small).ipv6.mtu]).toEqual([1200, null]);
    expect(small.notes).toEqual(['interface eth0 (adapter "Ethernet"): MTU 1200 set for IPv4 only: IPv6 needs at least 1280']);
    const none = only(windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true })]), ADAPTERS));
    expect([none.ipv4.mtu, none.ipv6.mtu]).toEqual([null, null]);
  });

  test("DHCP's route metric becomes the interface metric, for the families DHCP or RA configure", () => {
    const spec = only(windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true, dhcpRouteMetric: 200 })]), ADAPTERS));
    expect([spec.ipv4.interfaceMetric, spec.ipv6.interfaceMetric]).toEqual([200, null]);
    const both = only(windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true, ipv6: "dhcp6", dhcpRouteMetric: 100 })]), ADAPTERS));
    expect([both.ipv4.interfaceMetric, both.ipv6.interfaceMetric]).toEqual([100, 100]);
  });
});

describe("windowsNetworkSpec: DNS", () => {
  test("an interface's own servers, split by family, and its first search domain as the connection's suffix", () => {
    const iface = physical("eth0", MAC1, { addresses: ["192.0.2.10/24"], nameservers: { addresses: ["192.0.2.53", "2001:db8::53", "192.0.2.54"], search: ["example.com", "example.net"] } });
    const spec = windowsNetworkSpec(config([iface]), ADAPTERS);
    expect(only(spec).ipv4.dns).toEqual(["192.0.2.53", "192.0.2.54"]);
    expect(only(spec).ipv6.dns).toEqual(["2001:db8::53"]);
    expect(only(spec).dnsSuffix).toBe("example.com");
    expect(spec.suffixSearchList).toEqual(["example.com", "example.net"]);
  });

  test("global servers go to adapters with static addresses and none of their own; DHCP adapters keep their server's", () => {
    const global = { addresses: ["8.8.8.8", "2001:4860:4860::8888"], search: ["corp.example"] };
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { addresses: ["192.0.2.10/24"] }), physical("eth1", MAC2, { dhcp4: true, nameservers: { addresses: [], search: ["lan.example"] } })], global), ADAPTERS);
    const [fixed, dhcp] = spec.adapters as [AdapterSpec, AdapterSpec];
    expect([fixed.ipv4.dns, fixed.ipv6.dns]).toEqual([["8.8.8.8"], ["2001:4860:4860::8888"]]);
    expect([dhcp.ipv4.dns, dhcp.ipv6.dns, dhcp.dnsSuffix]).toEqual([[], [], "lan.example"]);
    expect(fixed.dnsSuffix).toBe("");
    // Machine-wide, and once set the only list Windows searches: the global domains and every adapter's.
    expect(spec.suffixSearchList).toEqual(["corp.example", "lan.example"]);
    expect(spec.notes).toEqual([]);
  });

  test("global servers no adapter takes: a note; no search domain anywhere leaves the machine's list (null)", () => {
    const spec = windowsNetworkSpec(config([physical("eth0", MAC1, { dhcp4: true })], { addresses: ["10.1.0.2"], search: [] }), ADAPTERS);
    expect(only(spec).ipv4.dns).toEqual([]);
    expect(spec.suffixSearchList).toBeNull();
    expect(spec.notes).toEqual(["DNS servers 10.1.0.2 (machine-wide in the configuration) not set: Windows keeps DNS servers per adapter, and no configured adapter has static addresses without servers of its own"]);
  });
});

const withNetwork = (network?: NetworkConfig): BootInputs => ({ data: instanceData(), ...(network ? { network } : {}), warnings: [] });

describe("windowsNetworkAction", () => {
  const network = config([physical("eth0", MAC1, { addresses: ["192.0.2.10/24"], routes: [{ to: "0.0.0.0/0", via: "192.0.2.1" }] }), { ...blankInterface("bond0"), kind: "bond", members: [], mode: "active-backup", params: {} }]);

  test("the Linux action's name and frequency; one set-network run whose stdin is the spec", () => {
    expect([windowsNetworkAction.name, windowsNetworkAction.frequency]).toEqual(["network", "per-boot"]);
    const facts = windowsFacts();
    const changes = planWindows(windowsNetworkAction, withNetwork(network), facts);
    expect(changes).toHaveLength(1);
    const [run] = changes;
    if (run?.kind !== "run") throw new Error("expected a run");
    expect(run.show).toBe("powershell set-network");
    expect(run.argv.slice(0, 6)).toEqual(["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]);
    expect(run.input).toBe(asciiJson(setNetworkData(windowsNetworkSpec(network, facts.nics))));
    expect(run.reason).toBe('network configuration from nocloud: eth0 on "Ethernet", matched by MAC');
    expect(windowsNetworkAction.notes?.(withNetwork(network), facts)).toEqual(["network: bond bond0 (no members) is not configured: Windows has no bonding the agent can set up safely (LBFO teaming is deprecated); its members are left as Windows has them"]);
  });

  test("the data never becomes script text: the same script whatever the configuration", () => {
    const other = config([physical("eth1", MAC2, { dhcp4: true })]);
    const argvOf = (n: NetworkConfig) => (planWindows(windowsNetworkAction, withNetwork(n), windowsFacts())[0] as { argv: string[] }).argv;
    expect(argvOf(other)).toEqual(argvOf(network));
    expect(SET_NETWORK.text).not.toContain("192.0.2");
  });

  test("no network configuration, or nothing Windows can take: no step", () => {
    expect(planWindows(windowsNetworkAction, withNetwork(), windowsFacts())).toEqual([]);
    expect(windowsNetworkAction.notes?.(withNetwork(), windowsFacts())).toEqual([]);
    const absent = config([physical("eth7", "fa:16:3e:00:00:77", { dhcp4: true })]);
    expect(planWindows(windowsNetworkAction, withNetwork(absent), windowsFacts())).toEqual([]);
    expect(windowsNetworkAction.notes?.(withNetwork(absent), windowsFacts())).toEqual(["network: interface eth7 (fa:16:3e:00:00:77) is not configured: no network adapter has MAC FA-16-3E-00-00-77"]);
  });

  test("offline: nothing runs, the first boot does it (deferred), and the notes say so and what will be skipped", () => {
    expect(windowsNetworkAction.deferredWhenOffline).toBe(true);
    const facts = offlineWindowsFacts();
    expect(planWindows(windowsNetworkAction, withNetwork(network), facts)).toEqual([]);
    expect(windowsNetworkAction.notes?.(withNetwork(network), facts)).toEqual([
      "network: not configured under --root: Windows configures running adapters, so the target's first boot does it",
      "network: bond bond0 (no members) is not configured: Windows has no bonding the agent can set up safely (LBFO teaming is deprecated); its members are left as Windows has them",
    ]);
  });
});

/** Every key a spec can hold, from one that holds everything. */
function specKeys(): Set<string> {
  const full = config(
    [physical("eth0", MAC1, { addresses: ["192.0.2.10/24"], routes: [{ to: "0.0.0.0/0", via: "192.0.2.1" }], mtu: 1500, nameservers: { addresses: ["192.0.2.53"], search: ["a.example"] } }), physical("eth1", MAC2, { dhcp4: true, ipv6: "slaac", dhcpRouteMetric: 10 })],
    { addresses: [], search: ["b.example"] },
  );
  const keys = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) (keys.add(k), walk(v));
  };
  walk(setNetworkData(windowsNetworkSpec(full, ADAPTERS)));
  return keys;
}

describe("the set-network script", () => {
  const body = SET_NETWORK.text;

  test("reads only fields the spec has (its own are camelCase; Windows' objects are PascalCase)", () => {
    const keys = specKeys();
    const read = [...body.matchAll(/\$(?:data|spec|want|a|r|w\.spec)\.([a-z]\w*)/g)].map((m) => m[1] as string);
    expect(read.length).toBeGreaterThan(10);
    expect([...new Set(read)].filter((k) => !keys.has(k) && k !== "spec" && k !== "adapter")).toEqual([]);
    for (const k of ["adapters", "suffixSearchList", "mac", "dhcp", "routerDiscovery", "addresses", "routes", "dns", "mtu", "interfaceMetric", "dnsSuffix", "destination", "nextHop", "metric", "ip", "prefixLength"]) expect(read).toContain(k);
  });

  test("removes only the objects it found (never a bare Remove-Net*, which removes everything), without a prompt", () => {
    const removes = body.split("\n").filter((l) => /Remove-Net(IPAddress|Route)\b/.test(l) && !/^\s*(#|function)/.test(l));
    expect(removes.length).toBe(2);
    for (const line of removes) expect(line).toMatch(/-InputObject \$\w+ -Confirm:\$false/);
  });

  test("queries that may find nothing do not stop the script (those cmdlets call no match an error)", () => {
    const queries = body.split("\n").filter((l) => /Get-(NetIPAddress|NetRoute|NetIPInterface|DnsClientServerAddress|DnsClient)\b/.test(l));
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const line of queries) expect(line).toContain("-ErrorAction SilentlyContinue");
  });

  test("finds adapters as the facts did, every one before the first change", () => {
    expect(body).toContain("Get-NetAdapter -IncludeHidden");
    expect(body.indexOf("Find-Adapter $spec")).toBeLessThan(body.indexOf("Set-Family $w.adapter 'IPv4'"));
  });
});
