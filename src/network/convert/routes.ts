import type { Interface, Route } from "../../model/network.ts";
import { isRecord } from "../../model/mapping.ts";
import { gatewayOnLink, type Problems, type SubnetIndex, subnetIndex } from "./problems.ts";

/**
 * A v1 route or subnet route: `destination`/`network` as ADDRESS/PREFIX or with a separate
 * `netmask`/`prefix`, `gateway`, `metric`. Returns the route and the path of its gateway field.
 */
export function v1Route(p: Problems, raw: unknown, at: string): Route | undefined {
  if (!isRecord(raw)) return p.add(at, "expected a mapping");
  const key = raw.destination !== undefined ? "destination" : "network";
  const mask = raw.netmask ?? raw.prefix;
  const maskKey = raw.netmask !== undefined ? "netmask" : "prefix";
  if (raw[key] === undefined) return p.add(at, "missing destination (or network)");
  let to = p.network(raw[key], mask, `${at}.${key}`, `${at}.${maskKey}`);
  const via = raw.gateway === undefined || raw.gateway === null ? undefined : p.ip(raw.gateway, `${at}.gateway`);
  if (!to) return undefined;
  if (to === "0.0.0.0/0" && via?.includes(":")) to = "::/0";
  const route: Route = via ? { to, via } : { to };
  const metric = metricOf(p, raw.metric, `${at}.metric`);
  if (metric !== undefined) route.metric = metric;
  return route;
}

export function metricOf(p: Problems, value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return p.add(path, `expected a whole number, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * A route given for the whole machine belongs to the interface whose subnet holds its gateway.
 * `indexes` keeps each interface's subnets between calls (routes with a gateway, the only ones
 * attached here, do not change them): thousands of routes must not each index every interface.
 */
export function attachGlobalRoute(p: Problems, interfaces: Interface[], route: Route, at: string, indexes: Map<Interface, SubnetIndex> = new Map()): void {
  if (!route.via) {
    p.add(at, "a route outside any interface needs a gateway (to know which interface it leaves by)");
    return;
  }
  const indexOf = (i: Interface) => indexes.get(i) ?? indexes.set(i, subnetIndex(i)).get(i)!;
  const staticOwner = interfaces.find((i) => i.addresses.length && gatewayOnLink({ ...i, dhcp4: false, ipv6: "none", acceptRa: false }, route.via!, [], indexOf(i)));
  const owner = staticOwner ?? interfaces.find((i) => gatewayOnLink(i, route.via!, [], indexOf(i)));
  if (!owner) p.add(`${at}.gateway`, `${route.via} is not on any subnet of any interface`);
  else owner.routes.push(route);
}
