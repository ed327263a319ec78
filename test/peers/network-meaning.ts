/**
 * What a rendered network configuration MEANS, per interface, read back from netplan YAML or an
 * eni file, so that cloud-init's output and ours can be compared without caring about bytes,
 * key order, spelling (`bond_miimon` / `bond-miimon`) or how a default route is written.
 */
import { parse } from "yaml";
import { canonicalIp, formatCidr, netmaskToPrefix, parseCidr } from "../../src/network/ip.ts";

export interface Meaning {
  kind: string;
  addresses: string[];
  dhcp4: boolean;
  /** netplan: dhcp6 → "dhcp6", accept-ra alone → "ra"; eni: inet6 dhcp / auto (dhcp 0|1). */
  ipv6: string;
  mtu?: number;
  routes: string[];
  dns: string[];
  search: string[];
  members?: string[];
  bondMode?: string;
  vlan?: string;
}

const cidr = (s: string) => {
  const c = parseCidr(s);
  return c ? formatCidr(c) : s;
};
const route = (to: string, via?: string, metric?: unknown) => `${to === "default" || to.endsWith("/0") ? (via?.includes(":") || to.includes(":") ? "::/0" : "0.0.0.0/0") : cidr(to)}${via ? ` via ${canonicalIp(via)}` : ""}${metric !== undefined ? ` metric ${metric}` : ""}`;

function blank(kind: string): Meaning {
  return { kind, addresses: [], dhcp4: false, ipv6: "none", routes: [], dns: [], search: [] };
}

function sorted(m: Meaning): Meaning {
  for (const k of ["addresses", "routes", "dns", "search", "members"] as const) m[k]?.sort();
  return m;
}

export function netplanMeaning(text: string): Record<string, Meaning> {
  const net = parse(text, { version: "1.1" }).network;
  const out: Record<string, Meaning> = {};
  const sections: [string, string][] = [["ethernets", "physical"], ["bonds", "bond"], ["bridges", "bridge"], ["vlans", "vlan"]];
  for (const [section, kind] of sections) {
    for (const [id, e] of Object.entries<Record<string, any>>(net[section] ?? {})) {
      const name = e["set-name"] ?? id;
      const m = blank(kind);
      m.addresses = (e.addresses ?? []).map(cidr);
      m.dhcp4 = e.dhcp4 === true;
      m.ipv6 = e.dhcp6 === true ? "dhcp6" : e["accept-ra"] === true ? "ra" : "none";
      if (e.mtu !== undefined) m.mtu = e.mtu;
      if (e.gateway4) m.routes.push(route("default", e.gateway4));
      if (e.gateway6) m.routes.push(route("default", e.gateway6));
      for (const r of e.routes ?? []) m.routes.push(route(String(r.to), r.via, r.metric));
      m.dns = (e.nameservers?.addresses ?? []).map(canonicalIp);
      m.search = e.nameservers?.search ?? [];
      if (kind === "bond" || kind === "bridge") m.members = [...(e.interfaces ?? [])];
      if (kind === "bond") m.bondMode = String(e.parameters?.mode ?? "balance-rr");
      if (kind === "vlan") m.vlan = `${e.id}@${e.link}`;
      out[name] = sorted(m);
    }
  }
  return out;
}

/** An eni file: `iface` stanzas with their options; `auto` and comments are not meaning. */
export function eniMeaning(text: string): Record<string, Meaning> {
  const out: Record<string, Meaning> = {};
  const bonds = new Map<string, string[]>();
  let current: { m: Meaning; family: string; method: string; name: string } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("auto ") || line.startsWith("allow-")) continue;
    const words = line.split(/\s+/);
    if (words[0] === "iface") {
      const [, name = "", family = "", method = ""] = words;
      if (name === "lo") {
        current = { m: (out.lo ??= blank("loopback")), family, method, name };
        continue;
      }
      const m = (out[name] ??= blank("physical"));
      if (family === "inet" && method === "dhcp") m.dhcp4 = true;
      if (family === "inet6" && method === "dhcp") m.ipv6 = "dhcp6";
      if (family === "inet6" && method === "auto") m.ipv6 = "auto";
      current = { m, family, method, name };
      continue;
    }
    if (!current) continue;
    const { m } = current;
    const [key = "", ...rest] = words;
    const value = rest.join(" ");
    switch (key.replaceAll("_", "-")) {
      case "address":
        m.addresses.push(cidr(value));
        break;
      case "netmask": {
        const last = m.addresses.pop() as string;
        const prefix = /^\d+$/.test(value) ? Number(value) : netmaskToPrefix(value);
        m.addresses.push(cidr(`${last.split("/")[0]}/${prefix}`));
        break;
      }
      case "gateway":
        m.routes.push(route("default", value));
        break;
      case "mtu":
        m.mtu = Number(value);
        break;
      case "dns-nameservers":
        m.dns.push(...rest.map((a) => canonicalIp(a) as string));
        break;
      case "dns-search":
        m.search.push(...rest);
        break;
      case "dhcp":
        if (m.ipv6 === "auto") m.ipv6 = value === "1" ? "auto+dhcp" : "auto";
        break;
      case "bond-master":
        bonds.set(value, [...(bonds.get(value) ?? []), current.name]);
        break;
      case "bond-slaves":
        m.kind = "bond";
        break;
      case "bond-mode":
        if (m.kind === "bond") m.bondMode = value;
        break;
      case "bridge-ports":
        m.kind = "bridge";
        m.members = rest.filter((p) => p !== "none");
        break;
      case "vlan-raw-device":
        m.kind = "vlan";
        m.vlan = `${m.vlan?.split("@")[0] ?? ""}@${value}`;
        break;
      case "vlan-id":
        m.vlan = `${value}@${m.vlan?.split("@")[1] ?? ""}`;
        break;
      case "post-up":
      case "up": {
        // `route add [-A inet6] [-net] DEST gw GW [metric M]` or `ip [-6] route add DEST via GW [metric M] dev X`
        const cmd = rest.join(" ").replace(/\s*\|\|\s*true$/, "").split(/\s+/);
        const at = (w: string) => (cmd.includes(w) ? cmd[cmd.indexOf(w) + 1] : undefined);
        if (cmd[0] === "route" && cmd[1] === "add") {
          const dest = cmd.filter((w, i) => i > 1 && !["-A", "inet6", "-net", "-host"].includes(w) && !["-A"].includes(cmd[i - 1] as string))[0] as string;
          const v6 = cmd.includes("inet6");
          m.routes.push(route(dest === "default" ? (v6 ? "::/0" : "default") : dest, at("gw"), at("metric")));
        } else if (cmd[0] === "ip") {
          const i = cmd.indexOf("add");
          const v6 = cmd.includes("-6");
          const dest = cmd[i + 1] as string;
          m.routes.push(route(dest === "default" ? (v6 ? "::/0" : "default") : dest, at("via"), at("metric")));
        }
        break;
      }
    }
  }
  for (const [bond, members] of bonds) if (out[bond]) out[bond].members = members;
  for (const m of Object.values(out)) sorted(m);
  return out;
}
