import type { Interface, NetworkConfig, Route } from "../../../model/network.ts";
import { kernelBondOptions } from "./bond-options.ts";
import { byFamily, familyOf, headerOf, isDefault, mastersOf, ordered, type RenderOptions, type Rendered } from "./common.ts";
import { renameRules } from "./udev.ts";

export const ENI_PATH = "/etc/network/interfaces.d/50-tether.cfg";

const BRIDGE_ENI: Record<string, string> = { "ageing-time": "bridge_ageing", priority: "bridge_bridgeprio", "forward-delay": "bridge_fd", "hello-time": "bridge_hello", "max-age": "bridge_maxage", stp: "bridge_stp" };

function routeCommands(route: Route, name: string): string[] {
  const v6 = familyOf(route.to) === 6 ? " -6" : "";
  const spec = `${isDefault(route) ? "default" : route.to}${route.via ? ` via ${route.via}` : ""}${route.metric !== undefined ? ` metric ${route.metric}` : ""} dev ${name}`;
  return [`up ip${v6} route add ${spec} || true`, `down ip${v6} route del ${spec} || true`];
}

/** The options every stanza of a device shares, written once on its first stanza. */
function deviceOptions(iface: Interface, master: Interface | undefined): string[] {
  const lines: string[] = [];
  if (iface.kind !== "physical" && iface.mac) lines.push(`hwaddress ether ${iface.mac}`);
  if (iface.mtu !== undefined) lines.push(`mtu ${iface.mtu}`);
  if (master?.kind === "bond") {
    lines.push(`bond-master ${master.name}`);
    for (const [k, v] of kernelBondOptions(master, " ")) lines.push(`bond-${k.replaceAll("_", "-")} ${v}`);
  }
  if (iface.kind === "bond") {
    lines.push("bond-slaves none");
    for (const [k, v] of kernelBondOptions(iface, " ")) lines.push(`bond-${k.replaceAll("_", "-")} ${v}`);
  }
  if (iface.kind === "bridge") {
    lines.push(`bridge_ports ${iface.members.join(" ") || "none"}`);
    for (const [k, v] of Object.entries(iface.params)) {
      const key = BRIDGE_ENI[k];
      if (key) lines.push(`${key} ${typeof v === "boolean" ? (v ? "on" : "off") : Array.isArray(v) ? v.join(" ") : v}`);
    }
  }
  if (iface.kind === "vlan") lines.push(`vlan-raw-device ${iface.link}`, `vlan_id ${iface.id}`);
  const ns = iface.nameservers;
  if (ns.addresses.length) lines.push(`dns-nameservers ${ns.addresses.join(" ")}`);
  if (ns.search.length) lines.push(`dns-search ${ns.search.join(" ")}`);
  return lines;
}

function stanzas(iface: Interface, master: Interface | undefined): string[][] {
  const name = iface.name;
  const out: string[][] = [];
  const acceptRa = iface.acceptRa === undefined ? [] : [`accept_ra ${iface.acceptRa ? 1 : 0}`];
  if (iface.dhcp4) out.push([`iface ${name} inet dhcp`, ...(iface.dhcpRouteMetric !== undefined ? [`metric ${iface.dhcpRouteMetric}`] : [])]);
  const v4 = byFamily(iface.addresses, 4);
  const v6 = byFamily(iface.addresses, 6);
  // ifupdown's own `gateway` option sets the default route of the stanza's family; others are commands.
  const gateways = new Set<Route>();
  v4.forEach((cidr, i) => {
    const gw = i === 0 && !iface.dhcp4 ? iface.routes.find((r) => isDefault(r) && r.via && familyOf(r.to) === 4) : undefined;
    if (gw) gateways.add(gw);
    out.push([`iface ${name} inet static`, `address ${cidr}`, ...(gw ? [`gateway ${gw.via}`] : []), ...(gw?.metric !== undefined ? [`metric ${gw.metric}`] : [])]);
  });
  if (iface.ipv6 === "dhcp6") out.push([`iface ${name} inet6 dhcp`, ...acceptRa]);
  if (iface.ipv6 === "slaac" || iface.ipv6 === "dhcp6-stateless") out.push([`iface ${name} inet6 auto`, `dhcp ${iface.ipv6 === "slaac" ? 0 : 1}`]);
  v6.forEach((cidr, i) => {
    const gw = i === 0 && iface.ipv6 === "none" ? iface.routes.find((r) => isDefault(r) && r.via && familyOf(r.to) === 6) : undefined;
    if (gw) gateways.add(gw);
    out.push([`iface ${name} inet6 static`, `address ${cidr}`, ...(gw ? [`gateway ${gw.via}`] : []), ...(i === 0 && iface.ipv6 === "none" ? acceptRa : [])]);
  });
  if (!out.length) out.push([`iface ${name} inet manual`]);
  const first = out[0] as string[];
  first.push(...deviceOptions(iface, master));
  const last = out[out.length - 1] as string[];
  for (const route of iface.routes) if (!gateways.has(route)) last.push(...routeCommands(route, name));
  return out;
}

/**
 * ifupdown's /etc/network/interfaces.d/ (Debian, Alpine's ifupdown-ng). Machine-wide name servers
 * go on the loopback stanza, which is always up (resolvconf reads dns-* from every stanza). A
 * rename cannot be said in eni: the udev rule beside it does it.
 */
export function renderEni(config: NetworkConfig, options: RenderOptions = {}): Rendered {
  const masters = mastersOf(config);
  const blocks: string[] = [];
  const lo = ["auto lo", "iface lo inet loopback"];
  if (config.nameservers.addresses.length) lo.push(`    dns-nameservers ${config.nameservers.addresses.join(" ")}`);
  if (config.nameservers.search.length) lo.push(`    dns-search ${config.nameservers.search.join(" ")}`);
  blocks.push(lo.join("\n"));
  for (const iface of ordered(config)) {
    const lines = [`auto ${iface.name}`];
    for (const stanza of stanzas(iface, masters.get(iface.name))) {
      const [head, ...rest] = stanza;
      lines.push(head as string, ...rest.map((l) => `    ${l}`));
    }
    blocks.push(lines.join("\n"));
  }
  return { [ENI_PATH]: `${headerOf(options)}\n${blocks.join("\n\n")}\n`, ...renameRules(config, options) };
}
