import type { Interface, NetworkConfig } from "../../../model/network.ts";
import { optionValue, kernelBondOptions } from "./bond-options.ts";
import { renameRules } from "./udev.ts";
import { byFamily, effectiveNameservers, fileSafe, headerOf, isDefault, mastersOf, ordered, routesOf, type RenderOptions, type Rendered } from "./common.ts";

const DIR = "/etc/NetworkManager/system-connections";

/**
 * A stable connection UUID from the interface name (RFC 4122 version 5 layout over SHA-1), so
 * rendering twice gives the same files and NetworkManager sees the same connection.
 */
export function connectionUuid(name: string): string {
  // Bun's hasher, not node:crypto: importing that costs every start of the agent ~10 ms.
  const h = new Uint8Array(new Bun.CryptoHasher("sha1").update(`tether:${name}`).digest().buffer);
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = Buffer.from(h.subarray(0, 16)).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const list = (items: readonly string[]) => `${items.join(";")};`;

function ipSection(iface: Interface, config: NetworkConfig, family: 4 | 6): string[] {
  const addresses = byFamily(iface.addresses, family);
  const lines: string[] = [];
  let method: string;
  if (family === 4) method = iface.dhcp4 ? "auto" : addresses.length ? "manual" : "disabled";
  else if (iface.ipv6 !== "none") method = "auto";
  else method = addresses.length ? "manual" : iface.acceptRa === true ? "auto" : "ignore";
  lines.push(`method=${method}`);
  if (family === 6 && iface.ipv6 === "dhcp6-stateless") lines.push("dhcp-timeout=0");
  addresses.forEach((a, i) => lines.push(`address${i + 1}=${a}`));
  const routes = routesOf(iface, family);
  const gw = routes.find((r) => isDefault(r) && r.via && r.metric === undefined);
  if (gw?.via) lines.push(`gateway=${gw.via}`);
  routes
    .filter((r) => r !== gw)
    .forEach((r, i) => lines.push(`route${i + 1}=${r.to}${r.via || r.metric !== undefined ? `,${r.via ?? (family === 4 ? "0.0.0.0" : "::")}` : ""}${r.metric !== undefined ? `,${r.metric}` : ""}`));
  if (iface.dhcpRouteMetric !== undefined && method === "auto") lines.push(`route-metric=${iface.dhcpRouteMetric}`);
  const ns = effectiveNameservers(iface, config);
  const dns = byFamily(ns.addresses, family);
  if (dns.length) lines.push(`dns=${list(dns)}`);
  if (ns.search.length && (family === 4 || !byFamily(ns.addresses, 4).length)) lines.push(`dns-search=${list(ns.search)}`);
  if (method === "disabled" || method === "ignore") return [`method=${method}`];
  return lines;
}

function keyfile(iface: Interface, config: NetworkConfig, master: Interface | undefined): string {
  const type = { physical: "ethernet", bond: "bond", bridge: "bridge", vlan: "vlan" }[iface.kind];
  const sections: [string, string[]][] = [];
  const conn = [`id=tether ${iface.name}`, `uuid=${connectionUuid(iface.name)}`, `type=${type}`, `interface-name=${iface.name}`, "autoconnect=true"];
  if (master) conn.push(`master=${master.name}`, `slave-type=${master.kind}`);
  sections.push(["connection", conn]);
  const eth: string[] = [];
  if (iface.kind === "physical" && iface.match.mac) eth.push(`mac-address=${iface.match.mac}`);
  if (iface.kind !== "physical" && iface.mac) eth.push(`cloned-mac-address=${iface.mac}`);
  if (iface.mtu !== undefined) eth.push(`mtu=${iface.mtu}`);
  if (eth.length) sections.push(["ethernet", eth]);
  if (iface.kind === "bond") sections.push(["bond", kernelBondOptions(iface).map(([k, v]) => `${k}=${v}`)]);
  if (iface.kind === "bridge") {
    const br: string[] = [];
    if (iface.params.stp !== undefined) br.push(`stp=${iface.params.stp === true}`);
    if (iface.params["forward-delay"] !== undefined) br.push(`forward-delay=${optionValue(iface.params["forward-delay"])}`);
    if (iface.params.priority !== undefined) br.push(`priority=${optionValue(iface.params.priority)}`);
    sections.push(["bridge", br]);
  }
  if (iface.kind === "vlan") sections.push(["vlan", [`id=${iface.id}`, `parent=${iface.link}`]]);
  if (!master) {
    sections.push(["ipv4", ipSection(iface, config, 4)]);
    sections.push(["ipv6", ipSection(iface, config, 6)]);
  }
  return sections.map(([name, lines]) => `[${name}]\n${lines.join("\n")}\n`).join("\n");
}

/**
 * NetworkManager keyfiles, one connection per interface. NetworkManager ignores a keyfile that
 * others can read, so the writer must create these 0600 owned by root (the plan's write change
 * carries the mode; this function only says what the files hold). The physical connection is
 * bound to the MAC, which also renames nothing: NetworkManager does not rename devices, so a
 * rename needs the udev rule as well.
 */
export function renderNetworkManager(config: NetworkConfig, options: RenderOptions = {}): Rendered {
  const out: Rendered = {};
  const masters = mastersOf(config);
  for (const iface of ordered(config)) {
    out[`${DIR}/tether-${fileSafe(iface.name)}.nmconnection`] = headerOf(options) + keyfile(iface, config, masters.get(iface.name));
  }
  return { ...out, ...renameRules(config, options) };
}

/** The mode every keyfile must be written with. */
export const NM_KEYFILE_MODE = 0o600;
