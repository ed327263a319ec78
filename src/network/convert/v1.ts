import { blankInterface, type Interface, type NetworkConfig, type Nic, type Route } from "../../model/network.ts";
import { isRecord } from "../../model/mapping.ts";
import { v1BondParams, scalarOf } from "./bond-params.ts";
import { checkGateways, checkReferences, normalMac, numberOf, pathBook, placeholder, Problems, type SubnetIndex } from "./problems.ts";
import { attachGlobalRoute, metricOf, v1Route } from "./routes.ts";

type Doc = Record<string, unknown>;

const SUBNET_TYPES = ["static", "static6", "dhcp", "dhcp4", "dhcp6", "ipv6_slaac", "ipv6_dhcpv6-stateless", "ipv6_dhcpv6-stateful", "manual"];
const TYPES = ["physical", "bond", "bridge", "vlan", "nameserver", "route", "loopback"];

/** v1 bridge options (`bridge_stp`, `bridge_fd`, …) under netplan's names, as cloud-init maps them. */
const BRIDGE_V1_TO_V2: Record<string, string> = {
  bridge_ageing: "ageing-time",
  bridge_bridgeprio: "priority",
  bridge_fd: "forward-delay",
  bridge_hello: "hello-time",
  bridge_maxage: "max-age",
  bridge_pathcost: "path-cost",
  bridge_portprio: "port-priority",
  bridge_stp: "stp",
};

/**
 * cloud-init network config v1 → NetworkConfig. Members and VLAN parents that are named but not
 * described become bare physical devices, as cloud-init makes them; `route` entries outside an
 * interface go to the interface whose subnet holds their gateway.
 */
export function fromV1(doc: Doc, _nics: readonly Nic[], source: string): NetworkConfig {
  const p = new Problems(source);
  const entries = p.array<unknown>(doc.config, "config");
  const book = pathBook();
  const interfaces: Interface[] = [];
  const routePaths = new Map<Route, string>();
  const config: NetworkConfig = { interfaces, nameservers: { addresses: [], search: [] } };
  const later: (() => void)[] = [];
  const indexes = new Map<Interface, SubnetIndex>();

  entries.forEach((raw, i) => {
    const at = `config[${i}]`;
    if (!isRecord(raw)) return p.add(at, "expected a mapping");
    const type = raw.type;
    if (type === "loopback") return;
    if (type === "nameserver") {
      const addresses = p.nameserverAddresses(raw.address, `${at}.address`);
      const search = p.strings(raw.search, `${at}.search`);
      // Per-interface servers are attached once every interface exists, wherever they are listed.
      later.push(() => {
        const target = raw.interface === undefined ? config : interfaces.find((f) => f.name === raw.interface);
        if (!target) return void p.add(`${at}.interface`, `no interface is named ${JSON.stringify(raw.interface)}`);
        target.nameservers.addresses.push(...addresses.filter((a) => !target.nameservers.addresses.includes(a)));
        target.nameservers.search.push(...search.filter((s) => !target.nameservers.search.includes(s)));
      });
      return;
    }
    if (type === "route") {
      const route = v1Route(p, raw, at);
      if (route) later.unshift(() => attachGlobalRoute(p, interfaces, route, at, indexes));
      return;
    }
    if (typeof raw.name !== "string" || !raw.name) return p.add(`${at}.name`, "missing: every interface needs a name");
    if (!p.interfaceName(raw.name, `${at}.name`)) return;
    const iface = makeInterface(p, raw, at);
    if (!iface) return;
    const mtu = p.mtu(raw.mtu, `${at}.mtu`);
    if (mtu !== undefined) iface.mtu = mtu;
    if (raw["accept-ra"] !== undefined) iface.acceptRa = truthy(raw["accept-ra"]);
    p.array<unknown>(raw.subnets, `${at}.subnets`).forEach((s, j) => applySubnet(p, iface, s, `${at}.subnets[${j}]`, routePaths));
    book.set(iface, at);
    interfaces.push(iface);
  });

  // Members and parents named but not described: cloud-init adds them as bare devices.
  for (const iface of [...interfaces]) {
    const refs = iface.kind === "bond" || iface.kind === "bridge" ? iface.members : iface.kind === "vlan" ? [iface.link] : [];
    for (const name of refs) if (!interfaces.some((f) => f.name === name)) interfaces.push(placeholder(name));
  }
  for (const run of later) run();
  for (const iface of interfaces) checkGateways(p, iface, (route) => routePaths.get(route) ?? book.of(iface));
  checkReferences(p, config, book.of);
  p.throwIfAny();
  return config;
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || (typeof value === "string" && ["true", "yes", "on", "1"].includes(value.toLowerCase()));
}

function macOf(p: Problems, raw: Doc, at: string): string | undefined {
  if (raw.mac_address === undefined || raw.mac_address === null) return undefined;
  const mac = normalMac(raw.mac_address);
  if (!mac) p.add(`${at}.mac_address`, `expected a MAC address, got ${JSON.stringify(raw.mac_address)}`);
  return mac;
}

function names(p: Problems, value: unknown, path: string): string[] {
  return p.array<unknown>(value, path).flatMap((n, i) => p.interfaceName(n, `${path}[${i}]`) ?? []);
}

function makeInterface(p: Problems, raw: Doc, at: string): Interface | undefined {
  const name = raw.name as string;
  const mac = macOf(p, raw, at);
  const withMac = mac ? { mac } : {};
  switch (raw.type) {
    case "physical":
      return { ...blankInterface(name), kind: "physical", match: mac ? { mac } : {}, rename: mac !== undefined };
    case "bond": {
      const params = isRecord(raw.params) ? raw.params : {};
      const { mode, params: options } = v1BondParams(params, p, `${at}.params`);
      return { ...blankInterface(name), kind: "bond", members: names(p, raw.bond_interfaces, `${at}.bond_interfaces`), mode, params: options, ...withMac };
    }
    case "bridge": {
      const params: Record<string, string | number | boolean | string[]> = {};
      for (const [key, value] of Object.entries(isRecord(raw.params) ? raw.params : {})) {
        const v2 = BRIDGE_V1_TO_V2[key];
        if (v2 === "stp") params.stp = truthy(value);
        else if (v2) {
          const scalar = scalarOf(value, p, `${at}.params.${key}`);
          if (scalar !== undefined) params[v2] = scalar;
        }
        else if (!["bridge_maxwait", "bridge_gcint", "bridge_waitport"].includes(key)) p.add(`${at}.params.${key}`, `unknown bridge option; expected one of ${Object.keys(BRIDGE_V1_TO_V2).join(", ")}`);
      }
      return { ...blankInterface(name), kind: "bridge", members: names(p, raw.bridge_interfaces, `${at}.bridge_interfaces`), params, ...withMac };
    }
    case "vlan": {
      const id = numberOf(raw.vlan_id);
      if (!Number.isInteger(id) || id < 0 || id > 4094) return p.add(`${at}.vlan_id`, `expected a VLAN id from 0 to 4094, got ${JSON.stringify(raw.vlan_id ?? null)}`);
      if (typeof raw.vlan_link !== "string") return p.add(`${at}.vlan_link`, "missing: the interface the VLAN rides on");
      if (!p.interfaceName(raw.vlan_link, `${at}.vlan_link`)) return undefined;
      return { ...blankInterface(name), kind: "vlan", id, link: raw.vlan_link, ...withMac };
    }
    default:
      return p.add(`${at}.type`, `unknown type ${JSON.stringify(raw.type ?? null)}; expected one of ${TYPES.join(", ")}`);
  }
}

function applySubnet(p: Problems, iface: Interface, raw: unknown, at: string, routePaths: Map<Route, string>): void {
  if (!isRecord(raw)) return void p.add(at, "expected a mapping");
  const type = raw.type;
  switch (type) {
    case "dhcp":
    case "dhcp4":
      iface.dhcp4 = true;
      break;
    case "dhcp6":
      iface.ipv6 = "dhcp6";
      break;
    case "ipv6_dhcpv6-stateful":
      iface.ipv6 = "dhcp6";
      break;
    case "ipv6_slaac":
      iface.ipv6 = "slaac";
      break;
    case "ipv6_dhcpv6-stateless":
      iface.ipv6 = "dhcp6-stateless";
      break;
    case "manual":
      break;
    case "static":
    case "static6": {
      const mask = raw.netmask ?? raw.prefix;
      const cidr = p.cidr(raw.address, mask, `${at}.address`, `${at}.${raw.netmask !== undefined ? "netmask" : "prefix"}`);
      if (cidr) iface.addresses.push(cidr);
      if (raw.gateway !== undefined && raw.gateway !== null && raw.gateway !== "") {
        const via = p.ip(raw.gateway, `${at}.gateway`);
        if (via) {
          const route: Route = { to: via.includes(":") ? "::/0" : "0.0.0.0/0", via };
          const metric = metricOf(p, raw.metric, `${at}.metric`);
          if (metric !== undefined) route.metric = metric;
          iface.routes.push(route);
          routePaths.set(route, `${at}.gateway`);
        }
      }
      break;
    }
    default:
      return void p.add(`${at}.type`, `unknown subnet type ${JSON.stringify(type ?? null)}; expected one of ${SUBNET_TYPES.join(", ")}`);
  }
  if (raw.mtu !== undefined && iface.mtu === undefined) {
    const mtu = p.mtu(raw.mtu, `${at}.mtu`);
    if (mtu !== undefined) iface.mtu = mtu;
  }
  if (typeof type === "string" && type.startsWith("dhcp") && raw.metric !== undefined) {
    const metric = metricOf(p, raw.metric, `${at}.metric`);
    if (metric !== undefined) iface.dhcpRouteMetric = metric;
  }
  p.array<unknown>(raw.routes, `${at}.routes`).forEach((r, j) => {
    const route = v1Route(p, r, `${at}.routes[${j}]`);
    if (!route) return;
    iface.routes.push(route);
    routePaths.set(route, `${at}.routes[${j}].gateway`);
  });
  for (const a of p.nameserverAddresses(raw.dns_nameservers, `${at}.dns_nameservers`)) if (!iface.nameservers.addresses.includes(a)) iface.nameservers.addresses.push(a);
  for (const s of p.strings(raw.dns_search, `${at}.dns_search`)) if (!iface.nameservers.search.includes(s)) iface.nameservers.search.push(s);
}
