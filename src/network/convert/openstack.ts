import { blankInterface, type Interface, type Nameservers, type NetworkConfig, type Nic, type Route } from "../../model/network.ts";
import { isRecord } from "../../model/mapping.ts";
import { bondMode, scalarOf, scalarText } from "./bond-params.ts";
import { checkGateways, checkReferences, describeNics, normalMac, nicByMac, numberOf, pathBook, Problems } from "./problems.ts";
import { metricOf } from "./routes.ts";

/** Link types that are a NIC in the guest: cloud-init's KNOWN_PHYSICAL_TYPES (OVH, OTC and others add their own). */
const PHYSICAL = new Set(["phy", "ethernet", "bridge", "ovs", "tap", "vif", "vhostuser", "hw_veb", "hyperv", "dvs", "bgpovs", "cascading"]);
const NETWORK_TYPES = ["ipv4", "ipv6", "ipv4_dhcp", "ipv6_dhcp", "ipv6_slaac", "ipv6_dhcpv6-stateless", "ipv6_dhcpv6-stateful"];

type Doc = Record<string, unknown>;

/**
 * OpenStack network_data.json → NetworkConfig, read the way cloud-init's convert_net_json reads it:
 * physical links are named by their MAC on this machine, bonds become bond0, bond1, … in order,
 * VLANs PARENT.ID. Unlike cloud-init, an unknown link type is an error rather than a guess.
 */
export function fromOpenstack(doc: Doc, nics: readonly Nic[], source: string): NetworkConfig {
  const p = new Problems(source);
  const links = p.array<unknown>(doc.links, "links");
  const networks = p.array<unknown>(doc.networks, "networks");
  const services = p.array<unknown>(doc.services, "services");
  const book = pathBook();
  const byId = new Map<string, Interface>();
  const interfaces: Interface[] = [];
  const pending: (() => void)[] = [];
  let bonds = 0;

  links.forEach((raw, i) => {
    const at = `links[${i}]`;
    if (!isRecord(raw)) return p.add(at, "expected an object");
    const id = raw.id;
    if (typeof id !== "string" && typeof id !== "number") return p.add(`${at}.id`, "missing: every link needs an id");
    if (byId.has(String(id))) return p.add(`${at}.id`, `duplicate link id ${JSON.stringify(id)}`);
    const type = raw.type ?? "phy";
    const mtu = p.mtu(raw.mtu, `${at}.mtu`);
    const mac = raw.ethernet_mac_address === undefined ? undefined : normalMac(raw.ethernet_mac_address);
    if (raw.ethernet_mac_address !== undefined && !mac) p.add(`${at}.ethernet_mac_address`, `expected a MAC address, got ${JSON.stringify(raw.ethernet_mac_address)}`);
    let iface: Interface | undefined;
    if (type === "bond") {
      const members = p.array<unknown>(raw.bond_links, `${at}.bond_links`);
      const params: Record<string, string | number | boolean | string[]> = {};
      for (const [key, name] of [["bond_miimon", "mii-monitor-interval"], ["bond_xmit_hash_policy", "transmit-hash-policy"]] as const) {
        const scalar = raw[key] === undefined ? undefined : scalarOf(raw[key], p, `${at}.${key}`);
        if (scalar !== undefined) params[name] = scalar;
      }
      const bond: Interface = { ...blankInterface(`bond${bonds++}`), kind: "bond", members: [], mode: bondMode(raw.bond_mode, p, `${at}.bond_mode`), params, ...(mac ? { mac } : {}) };
      iface = bond;
      // Members are links named by id, possibly later in the list: resolved once all are read.
      pending.push(() => {
        bond.members = members.flatMap((m, j) => {
          const member = byId.get(scalarText(m) ?? "");
          return member ? [member.name] : (p.add(`${at}.bond_links[${j}]`, `no link has id ${JSON.stringify(m)}`) ?? []);
        });
      });
    } else if (type === "vlan") {
      const vid = numberOf(raw.vlan_id);
      if (!Number.isInteger(vid) || vid < 0 || vid > 4094) p.add(`${at}.vlan_id`, `expected a VLAN id from 0 to 4094, got ${JSON.stringify(raw.vlan_id ?? null)}`);
      const vmac = raw.vlan_mac_address === undefined ? mac : normalMac(raw.vlan_mac_address);
      if (raw.vlan_mac_address !== undefined && !vmac) p.add(`${at}.vlan_mac_address`, `expected a MAC address, got ${JSON.stringify(raw.vlan_mac_address)}`);
      const vlan: Interface = { ...blankInterface(`vlan${vid}`), kind: "vlan", id: vid, link: "", ...(vmac ? { mac: vmac } : {}) };
      iface = vlan;
      pending.unshift(() => {
        const parent = byId.get(scalarText(raw.vlan_link) ?? "");
        if (!parent) return void p.add(`${at}.vlan_link`, `no link has id ${JSON.stringify(raw.vlan_link ?? null)}`);
        vlan.link = parent.name;
        vlan.name = typeof raw.name === "string" ? raw.name : `${parent.name}.${vid}`;
        // PARENT.ID can pass the kernel's 15 characters even when both parts are fine.
        p.interfaceName(vlan.name, typeof raw.name === "string" ? `${at}.name` : at);
      });
    } else if (typeof type === "string" && PHYSICAL.has(type)) {
      let name = typeof raw.name === "string" ? raw.name : undefined;
      if (name !== undefined && !p.interfaceName(name, `${at}.name`)) return;
      if (!name && !mac) return p.add(at, "a physical link needs ethernet_mac_address (or name)");
      if (!name && mac) {
        name = nicByMac(nics, mac)?.name;
        if (!name) p.add(`${at}.ethernet_mac_address`, `${mac} matches no NIC on this machine (${describeNics(nics)})`);
      }
      iface = { ...blankInterface(name ?? `unnamed${i}`), kind: "physical", match: mac ? { mac } : {}, rename: mac !== undefined };
    } else {
      return p.add(`${at}.type`, `unknown link type ${JSON.stringify(type)}; expected bond, vlan or a physical type (${[...PHYSICAL].join(", ")})`);
    }
    if (mtu !== undefined) iface.mtu = mtu;
    byId.set(String(id), iface);
    book.set(iface, at);
    interfaces.push(iface);
  });
  // VLAN names depend on their parent's name, and a bond's on nothing; members are named last.
  for (const resolve of pending) resolve();

  const routePaths = new Map<Route, string>();
  networks.forEach((raw, i) => {
    const at = `networks[${i}]`;
    if (!isRecord(raw)) return p.add(at, "expected an object");
    const iface = byId.get(scalarText(raw.link) ?? "");
    if (!iface) return p.add(`${at}.link`, `no link has id ${JSON.stringify(raw.link ?? null)}`);
    applyNetwork(p, iface, raw, at, routePaths);
  });

  const nameservers: Nameservers = { addresses: [], search: [] };
  services.forEach((raw, i) => {
    if (isRecord(raw) && raw.type === "dns") nameservers.addresses.push(...p.nameserverAddresses(raw.address, `services[${i}].address`));
  });

  const config: NetworkConfig = { interfaces, nameservers };
  for (const iface of interfaces) checkGateways(p, iface, (route) => routePaths.get(route) ?? iface.name);
  checkReferences(p, config, book.of);
  p.throwIfAny();
  return config;
}

function applyNetwork(p: Problems, iface: Interface, raw: Doc, at: string, routePaths: Map<Route, string>): void {
  const type = raw.type;
  switch (type) {
    case "ipv4":
    case "ipv6": {
      const cidr = p.cidr(raw.ip_address, raw.netmask, `${at}.ip_address`, `${at}.netmask`);
      if (cidr) iface.addresses.push(cidr);
      // cloud-init turns router advertisements off beside a static IPv6 address.
      if (type === "ipv6") iface.acceptRa = false;
      if (raw.gateway !== undefined && raw.gateway !== null) {
        const via = p.ip(raw.gateway, `${at}.gateway`, type === "ipv4" ? 4 : 6);
        if (via) {
          const route = { to: type === "ipv4" ? "0.0.0.0/0" : "::/0", via };
          iface.routes.push(route);
          routePaths.set(route, `${at}.gateway`);
        }
      }
      break;
    }
    case "ipv4_dhcp":
      iface.dhcp4 = true;
      break;
    case "ipv6_dhcp":
    case "ipv6_dhcpv6-stateful":
      iface.ipv6 = "dhcp6";
      iface.acceptRa = true;
      break;
    case "ipv6_slaac":
      iface.ipv6 = "slaac";
      break;
    case "ipv6_dhcpv6-stateless":
      iface.ipv6 = "dhcp6-stateless";
      break;
    default:
      p.add(`${at}.type`, `unknown network type ${JSON.stringify(type ?? null)}; expected one of ${NETWORK_TYPES.join(", ")}`);
      return;
  }
  p.array<unknown>(raw.routes, `${at}.routes`).forEach((r, j) => {
    const rat = `${at}.routes[${j}]`;
    if (!isRecord(r)) return p.add(rat, "expected an object");
    const to = p.network(r.network, r.netmask, `${rat}.network`, `${rat}.netmask`);
    const via = r.gateway === undefined || r.gateway === null ? undefined : p.ip(r.gateway, `${rat}.gateway`);
    if (!to) return;
    const route: Route = via ? { to, via } : { to };
    // Number() would let "x" through as NaN, and -1 or 1.5 as metrics no renderer can write.
    const metric = metricOf(p, r.metric, `${rat}.metric`);
    if (metric !== undefined) route.metric = metric;
    iface.routes.push(route);
    routePaths.set(route, `${rat}.gateway`);
  });
  const dns = p.nameserverAddresses(raw.dns_nameservers, `${at}.dns_nameservers`);
  for (const a of dns) if (!iface.nameservers.addresses.includes(a)) iface.nameservers.addresses.push(a);
  for (const s of p.strings(raw.dns_search, `${at}.dns_search`)) if (!iface.nameservers.search.includes(s)) iface.nameservers.search.push(s);
}
