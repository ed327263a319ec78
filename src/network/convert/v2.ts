import { blankInterface, type Interface, type NetworkConfig, type Nic, type Route } from "../../model/network.ts";
import { isRecord } from "../../model/mapping.ts";
import { bondMode, scalarOf, V2_BOND_PARAMS } from "./bond-params.ts";
import { checkGateways, checkReferences, nicByMac, normalMac, pathBook, Problems } from "./problems.ts";
import { metricOf } from "./routes.ts";

type Doc = Record<string, unknown>;
const SECTIONS = ["ethernets", "bonds", "bridges", "vlans"] as const;
const BRIDGE_PARAMS = new Set(["ageing-time", "priority", "port-priority", "forward-delay", "hello-time", "max-age", "path-cost", "stp"]);
const GLOB = /[*?[]/;

/**
 * cloud-init network config v2 (netplan's schema) → NetworkConfig. An ethernet's final name is its
 * set-name, else the host NIC with its MAC, else a literal match.name, else its id (cloud-init uses
 * the id where we use a literal match.name: the name is what eni and ifcfg need). Bonds, bridges and
 * VLANs refer to ethernets by id; those references are translated to the final names.
 */
export function fromV2(doc: Doc, nics: readonly Nic[], source: string): NetworkConfig {
  const p = new Problems(source);
  const book = pathBook();
  const interfaces: Interface[] = [];
  const nameOfId = new Map<string, string>();
  const routePaths = new Map<Route, string>();
  const nameservers = { addresses: [] as string[], search: [] as string[] };
  for (const key of Object.keys(doc)) {
    if (!["version", "renderer", ...SECTIONS].includes(key)) p.add(key, key === "wifis" ? "wifi is not supported" : `unknown key; expected version, renderer, ${SECTIONS.join(", ")}`);
  }
  const resolveRefs: (() => void)[] = [];

  for (const section of SECTIONS) {
    const body = doc[section];
    if (body === undefined || body === null) continue;
    if (!isRecord(body)) {
      p.add(section, "expected a mapping of interfaces by id");
      continue;
    }
    for (const [id, raw] of Object.entries(body)) {
      const at = `${section}.${id}`;
      if (!isRecord(raw)) {
        p.add(at, "expected a mapping");
        continue;
      }
      const iface = makeInterface(p, section, id, raw, at, nics, resolveRefs, nameOfId);
      if (!iface) continue;
      nameOfId.set(id, iface.name);
      common(p, iface, raw, at, routePaths);
      book.set(iface, at);
      interfaces.push(iface);
    }
  }
  for (const run of resolveRefs) run();
  const config: NetworkConfig = { interfaces, nameservers };
  for (const iface of interfaces) checkGateways(p, iface, (route) => routePaths.get(route) ?? book.of(iface));
  checkReferences(p, config, book.of);
  p.throwIfAny();
  return config;
}

function refs(p: Problems, value: unknown, path: string, nameOfId: Map<string, string>, into: string[]): () => void {
  const ids = p.array<unknown>(value, path);
  return () => {
    ids.forEach((id, i) => {
      const name = typeof id === "string" ? nameOfId.get(id) : undefined;
      if (name) into.push(name);
      else p.add(`${path}[${i}]`, `${JSON.stringify(id)} is not defined under ethernets, bonds, bridges or vlans`);
    });
  };
}

function makeInterface(p: Problems, section: (typeof SECTIONS)[number], id: string, raw: Doc, at: string, nics: readonly Nic[], later: (() => void)[], nameOfId: Map<string, string>): Interface | undefined {
  const mac = raw.macaddress === undefined ? undefined : normalMac(raw.macaddress);
  if (raw.macaddress !== undefined && !mac) p.add(`${at}.macaddress`, `expected a MAC address, got ${JSON.stringify(raw.macaddress)}`);
  const withMac = mac ? { mac } : {};
  const params = isRecord(raw.parameters) ? raw.parameters : {};
  if (raw.parameters !== undefined && !isRecord(raw.parameters)) p.add(`${at}.parameters`, "expected a mapping");
  switch (section) {
    case "ethernets": {
      const match = isRecord(raw.match) ? raw.match : {};
      const matchMac = match.macaddress === undefined ? undefined : normalMac(match.macaddress);
      if (match.macaddress !== undefined && !matchMac) p.add(`${at}.match.macaddress`, `expected a MAC address, got ${JSON.stringify(match.macaddress)}`);
      const matchName = typeof match.name === "string" ? match.name : undefined;
      const setName = typeof raw["set-name"] === "string" ? raw["set-name"] : undefined;
      if (setName && !matchMac && !matchName) p.add(`${at}.set-name`, "set-name needs a match (macaddress or name) to know which device to rename");
      // A glob is one word too: networkd and NetworkManager write it on a line of its own.
      if (matchName !== undefined && !/^[^\s\x00-\x1f\x7f]+$/.test(matchName)) return p.add(`${at}.match.name`, `expected a name or a glob without white space or control characters, got ${JSON.stringify(matchName)}`);
      const literal = matchName && !GLOB.test(matchName) ? matchName : undefined;
      const hostName = matchMac ? nicByMac(nics, matchMac)?.name : undefined;
      const name = setName ?? hostName ?? literal ?? id;
      // Where the name came from is where a bad one is reported.
      const from = setName !== undefined ? `${at}.set-name` : hostName !== undefined ? `${at}.match.macaddress` : literal !== undefined ? `${at}.match.name` : at;
      if (!p.interfaceName(name, from)) return undefined;
      const m: { mac?: string; name?: string } = {};
      if (matchMac) m.mac = matchMac;
      if (matchName) m.name = matchName;
      return { ...blankInterface(name), kind: "physical", match: m, rename: setName !== undefined };
    }
    case "bonds": {
      if (!p.interfaceName(id, at)) return undefined;
      const members: string[] = [];
      later.push(refs(p, raw.interfaces, `${at}.interfaces`, nameOfId, members));
      const options: Record<string, string | number | boolean | string[]> = {};
      for (const [key, value] of Object.entries(params)) {
        if (key === "mode") continue;
        if (!V2_BOND_PARAMS.has(key)) p.add(`${at}.parameters.${key}`, "unknown bond parameter");
        else {
          const scalar = scalarOf(value, p, `${at}.parameters.${key}`);
          if (scalar !== undefined) options[key === "gratuitious-arp" ? "gratuitous-arp" : key] = scalar;
        }
      }
      return { ...blankInterface(id), kind: "bond", members, mode: bondMode(params.mode, p, `${at}.parameters.mode`), params: options, ...withMac };
    }
    case "bridges": {
      if (!p.interfaceName(id, at)) return undefined;
      const members: string[] = [];
      later.push(refs(p, raw.interfaces, `${at}.interfaces`, nameOfId, members));
      const options: Record<string, string | number | boolean | string[]> = {};
      for (const [key, value] of Object.entries(params)) {
        if (!BRIDGE_PARAMS.has(key)) p.add(`${at}.parameters.${key}`, "unknown bridge parameter");
        else if (key === "path-cost" || key === "port-priority") p.add(`${at}.parameters.${key}`, "per-port bridge parameters are not supported");
        else {
          const scalar = scalarOf(value, p, `${at}.parameters.${key}`);
          if (scalar !== undefined) options[key] = scalar;
        }
      }
      return { ...blankInterface(id), kind: "bridge", members, params: options, ...withMac };
    }
    case "vlans": {
      if (!p.interfaceName(id, at)) return undefined;
      const vid = raw.id;
      if (typeof vid !== "number" || !Number.isInteger(vid) || vid < 0 || vid > 4094) return p.add(`${at}.id`, `expected a VLAN id from 0 to 4094, got ${JSON.stringify(vid ?? null)}`);
      if (typeof raw.link !== "string") return p.add(`${at}.link`, "missing: the interface the VLAN rides on");
      const vlan: Interface = { ...blankInterface(id), kind: "vlan", id: vid, link: raw.link, ...withMac };
      const linkId = raw.link;
      later.unshift(() => {
        const name = nameOfId.get(linkId);
        if (name) vlan.link = name;
        else p.add(`${at}.link`, `${JSON.stringify(linkId)} is not defined under ethernets, bonds, bridges or vlans`);
      });
      return vlan;
    }
  }
}

function bool(p: Problems, raw: Doc, key: string, at: string): boolean | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") return p.add(`${at}.${key}`, `expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

function common(p: Problems, iface: Interface, raw: Doc, at: string, routePaths: Map<Route, string>): void {
  iface.dhcp4 = bool(p, raw, "dhcp4", at) ?? false;
  if (bool(p, raw, "dhcp6", at)) iface.ipv6 = "dhcp6";
  const ra = bool(p, raw, "accept-ra", at);
  if (ra !== undefined) iface.acceptRa = ra;
  const mtu = p.mtu(raw.mtu, `${at}.mtu`);
  if (mtu !== undefined) iface.mtu = mtu;
  for (const key of ["dhcp4-overrides", "dhcp6-overrides"]) {
    const o = raw[key];
    if (isRecord(o) && o["route-metric"] !== undefined) {
      const metric = metricOf(p, o["route-metric"], `${at}.${key}.route-metric`);
      if (metric !== undefined) iface.dhcpRouteMetric = metric;
    }
  }
  p.array<unknown>(raw.addresses, `${at}.addresses`).forEach((a, i) => {
    const cidr = p.cidr(a, undefined, `${at}.addresses[${i}]`, `${at}.addresses[${i}]`);
    if (cidr) iface.addresses.push(cidr);
  });
  for (const [key, to] of [["gateway4", "0.0.0.0/0"], ["gateway6", "::/0"]] as const) {
    if (raw[key] === undefined) continue;
    const via = p.ip(raw[key], `${at}.${key}`, key === "gateway4" ? 4 : 6);
    if (!via) continue;
    const route = { to, via };
    iface.routes.push(route);
    routePaths.set(route, `${at}.${key}`);
  }
  p.array<unknown>(raw.routes, `${at}.routes`).forEach((r, i) => {
    const rat = `${at}.routes[${i}]`;
    if (!isRecord(r)) return p.add(rat, "expected a mapping");
    if (r["on-link"] === true) return p.add(`${rat}.on-link`, "on-link routes are not supported: put the gateway on a subnet of the interface");
    const via = r.via === undefined ? undefined : p.ip(r.via, `${rat}.via`);
    let to = r.to === "default" || r.to === undefined ? "default" : p.network(r.to, undefined, `${rat}.to`, `${rat}.to`);
    if (r.to === undefined) p.add(`${rat}.to`, "missing: the destination (ADDRESS/PREFIX or default)");
    if (!to) return;
    if (to === "default") to = via?.includes(":") ? "::/0" : "0.0.0.0/0";
    const route: Route = via ? { to, via } : { to };
    const metric = metricOf(p, r.metric, `${rat}.metric`);
    if (metric !== undefined) route.metric = metric;
    iface.routes.push(route);
    routePaths.set(route, `${rat}.via`);
  });
  if (raw.nameservers !== undefined) {
    const ns = isRecord(raw.nameservers) ? raw.nameservers : (p.add(`${at}.nameservers`, "expected a mapping with addresses and search") ?? {});
    iface.nameservers.addresses.push(...p.nameserverAddresses(ns.addresses, `${at}.nameservers.addresses`));
    iface.nameservers.search.push(...p.strings(ns.search, `${at}.nameservers.search`));
  }
}
