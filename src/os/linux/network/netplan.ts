import { stringify } from "yaml";
import type { Interface, NetworkConfig } from "../../../model/network.ts";
import { effectiveNameservers, hasDns, headerOf, isDefault, mastersOf, ordered, type RenderOptions, type Rendered } from "./common.ts";

export const NETPLAN_PATH = "/etc/netplan/50-tether.yaml";

type Yaml = Record<string, unknown>;

function addressing(iface: Interface, config: NetworkConfig, entry: Yaml): void {
  if (iface.mtu !== undefined) entry.mtu = iface.mtu;
  if (iface.dhcp4) entry.dhcp4 = true;
  if (iface.dhcp4 && iface.dhcpRouteMetric !== undefined) entry["dhcp4-overrides"] = { "route-metric": iface.dhcpRouteMetric };
  // netplan has no SLAAC-only switch: RA without DHCPv6 is accept-ra alone.
  if (iface.ipv6 === "dhcp6" || iface.ipv6 === "dhcp6-stateless") entry.dhcp6 = true;
  if (iface.ipv6 !== "none" && iface.dhcpRouteMetric !== undefined && entry.dhcp6) entry["dhcp6-overrides"] = { "route-metric": iface.dhcpRouteMetric };
  const acceptRa = iface.acceptRa ?? (iface.ipv6 === "slaac" || iface.ipv6 === "dhcp6-stateless" ? true : undefined);
  if (acceptRa !== undefined) entry["accept-ra"] = acceptRa;
  if (iface.addresses.length) entry.addresses = [...iface.addresses];
  if (iface.routes.length) {
    entry.routes = iface.routes.map((r) => ({ to: isDefault(r) ? "default" : r.to, ...(r.via ? { via: r.via } : {}), ...(r.metric !== undefined ? { metric: r.metric } : {}) }));
  }
  const ns = effectiveNameservers(iface, config);
  if (hasDns(ns)) entry.nameservers = { ...(ns.addresses.length ? { addresses: [...ns.addresses] } : {}), ...(ns.search.length ? { search: [...ns.search] } : {}) };
}

/** netplan YAML (version 2): one file, every interface, members listed on their bond or bridge. */
export function renderNetplan(config: NetworkConfig, options: RenderOptions = {}): Rendered {
  const sections: Record<"ethernets" | "bonds" | "bridges" | "vlans", Record<string, Yaml>> = { ethernets: {}, bonds: {}, bridges: {}, vlans: {} };
  const masters = mastersOf(config);
  for (const iface of ordered(config)) {
    const entry: Yaml = {};
    switch (iface.kind) {
      case "physical": {
        const match: Yaml = {};
        if (iface.match.mac) match.macaddress = iface.match.mac;
        if (iface.match.name) match.name = iface.match.name;
        if (Object.keys(match).length) entry.match = match;
        if (iface.rename && Object.keys(match).length) entry["set-name"] = iface.name;
        break;
      }
      case "bond":
        entry.interfaces = [...iface.members];
        entry.parameters = { mode: iface.mode, ...iface.params };
        break;
      case "bridge":
        entry.interfaces = [...iface.members];
        if (Object.keys(iface.params).length) entry.parameters = { ...iface.params };
        break;
      case "vlan":
        entry.id = iface.id;
        entry.link = iface.link;
        break;
    }
    if (iface.kind !== "physical" && iface.mac) entry.macaddress = iface.mac;
    // A bond or bridge member carries no addresses of its own.
    if (!masters.has(iface.name)) addressing(iface, config, entry);
    else if (iface.mtu !== undefined) entry.mtu = iface.mtu;
    const section = iface.kind === "physical" ? "ethernets" : iface.kind === "bond" ? "bonds" : iface.kind === "bridge" ? "bridges" : "vlans";
    sections[section][iface.name] = entry;
  }
  const network: Yaml = { version: 2 };
  for (const [key, value] of Object.entries(sections)) if (Object.keys(value).length) network[key] = value;
  const body = stringify({ network }, { version: "1.1", indent: 2, lineWidth: 0, aliasDuplicateObjects: false });
  return { [NETPLAN_PATH]: headerOf(options) + body };
}
