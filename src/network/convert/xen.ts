import { blankInterface, type Interface, type NetworkConfig, type Nic, type Route } from "../../model/network.ts";
import { isRecord } from "../../model/mapping.ts";
import { nestingProblem } from "../../parse/nesting.ts";
import { checkGateways, checkReferences, describeNics, nicByMac, normalMac, pathBook, Problems } from "./problems.ts";

type Doc = Record<string, unknown>;

// Not String(): it throws on a mapping with a key named toString.
const enabled = (entry: Doc) => entry.enabled === undefined || entry.enabled === "1" || entry.enabled === 1;

/**
 * XenStore vm-data/networking → NetworkConfig. The document maps each key under
 * vm-data/networking (the MAC without colons) to its JSON — as an object, or as the string
 * XenStore holds. Entries with `enabled` other than "1" are skipped, as nova-agent skips them; the
 * entry's `gateway`/`gateway_v6` is the default route unless an address carries its own.
 */
export function fromXen(doc: Doc, nics: readonly Nic[], source: string): NetworkConfig {
  const p = new Problems(source);
  const book = pathBook();
  const interfaces: Interface[] = [];
  const routePaths = new Map<Route, string>();
  for (const [key, value] of Object.entries(doc).sort(([a], [b]) => a.localeCompare(b))) {
    const at = key;
    let raw: unknown = value;
    if (typeof value === "string") {
      try {
        raw = JSON.parse(value);
      } catch (error) {
        p.add(at, `invalid JSON: ${(error as Error).message}`);
        continue;
      }
      // Messages quote values with JSON.stringify, which overflows on a value nested 50k deep.
      const deep = nestingProblem(raw);
      if (deep) {
        p.add(at, `refused JSON: ${deep}`);
        continue;
      }
    }
    if (!isRecord(raw)) {
      p.add(at, "expected an object");
      continue;
    }
    const mac = normalMac(raw.mac ?? key);
    if (!mac) {
      p.add(raw.mac === undefined ? at : `${at}.mac`, `expected a MAC address, got ${JSON.stringify(raw.mac ?? key)}`);
      continue;
    }
    const keyMac = normalMac(key);
    if (keyMac && keyMac !== mac) p.add(`${at}.mac`, `${mac} differs from the key's MAC ${keyMac}`);
    const nic = nicByMac(nics, mac);
    if (!nic) {
      p.add(`${at}.mac`, `${mac} matches no NIC on this machine (${describeNics(nics)})`);
      continue;
    }
    const iface: Interface = { ...blankInterface(nic.name), kind: "physical", match: { mac }, rename: true };
    const addRoute = (route: Route, path: string) => {
      if (iface.routes.some((r) => r.to === route.to && r.via === route.via)) return;
      iface.routes.push(route);
      routePaths.set(route, path);
    };
    for (const [list, family] of [["ips", 4], ["ip6s", 6]] as const) {
      p.array<unknown>(raw[list], `${at}.${list}`).forEach((entry, i) => {
        const eat = `${at}.${list}[${i}]`;
        if (!isRecord(entry)) return p.add(eat, "expected an object");
        if (!enabled(entry)) return;
        const cidr = p.cidr(entry.ip, entry.netmask, `${eat}.ip`, `${eat}.netmask`);
        if (cidr) iface.addresses.push(cidr);
        if (cidr && !cidr.includes(":") !== (family === 4)) p.add(`${eat}.ip`, `expected an IPv${family} address in ${list}`);
        const gw = entry.gateway ?? (family === 4 ? raw.gateway : raw.gateway_v6);
        const gwPath = entry.gateway !== undefined ? `${eat}.gateway` : `${at}.${family === 4 ? "gateway" : "gateway_v6"}`;
        if (gw !== undefined && gw !== null && gw !== "") {
          const via = p.ip(gw, gwPath, family);
          if (via) addRoute({ to: family === 4 ? "0.0.0.0/0" : "::/0", via }, gwPath);
        }
      });
    }
    p.array<unknown>(raw.routes, `${at}.routes`).forEach((r, i) => {
      const rat = `${at}.routes[${i}]`;
      if (!isRecord(r)) return p.add(rat, "expected an object");
      const to = p.network(r.route, r.netmask, `${rat}.route`, `${rat}.netmask`);
      const via = r.gateway === undefined ? undefined : p.ip(r.gateway, `${rat}.gateway`);
      if (to) addRoute(via ? { to, via } : { to }, `${rat}.gateway`);
    });
    iface.nameservers.addresses.push(...p.nameserverAddresses(raw.dns, `${at}.dns`));
    book.set(iface, at);
    interfaces.push(iface);
  }
  const config: NetworkConfig = { interfaces, nameservers: { addresses: [], search: [] } };
  for (const iface of interfaces) checkGateways(p, iface, (route) => routePaths.get(route) ?? book.of(iface));
  checkReferences(p, config, book.of);
  p.throwIfAny();
  return config;
}
