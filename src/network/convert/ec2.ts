import { blankInterface, type Interface, type NetworkConfig, type Nic } from "../../model/network.ts";
import { isRecord } from "../../model/mapping.ts";
import { parseCidr } from "../ip.ts";
import { checkReferences, describeNics, nicByMac, normalMac, numberOf, pathBook, Problems } from "./problems.ts";

type Doc = Record<string, unknown>;

// Not String(value): it throws on a mapping with a key named toString. A non-text value is one
// (bad) entry, which the address check then names.
const listOf = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : typeof value === "string" ? value.split("\n").filter(Boolean) : [value]);

/**
 * EC2's network/interfaces/macs tree → NetworkConfig, as cloud-init's
 * convert_ec2_metadata_network_config does with full network config: every NIC gets DHCPv4 (and
 * DHCPv6 when it has IPv6 addresses); with several NICs, device-number N gets route metric
 * 100 × (N + 1) so the primary (device 0) wins; addresses beyond the first of each family are
 * added statically with their subnet's prefix (DHCP only hands out the first).
 */
export function fromEc2(doc: Doc, nics: readonly Nic[], source: string): NetworkConfig {
  const p = new Problems(source);
  const macs = isRecord(doc.macs) ? doc.macs : (p.add("macs", "expected a mapping of interfaces by MAC") ?? {});
  const book = pathBook();
  const interfaces: Interface[] = [];
  const devices = new Map<Interface, number>();
  const entries = Object.entries(macs).sort(([a], [b]) => a.localeCompare(b));
  for (const [key, raw] of entries) {
    const at = `macs.${key}`;
    if (!isRecord(raw)) {
      p.add(at, "expected a mapping");
      continue;
    }
    const mac = normalMac(raw.mac ?? key);
    if (!mac) {
      p.add(at, `expected a MAC address as the key, got ${JSON.stringify(key)}`);
      continue;
    }
    const nic = nicByMac(nics, mac);
    if (!nic) {
      p.add(at, `${mac} matches no NIC on this machine (${describeNics(nics)})`);
      continue;
    }
    const device = raw["device-number"] === undefined ? 0 : numberOf(raw["device-number"]);
    if (!Number.isInteger(device) || device < 0) p.add(`${at}.device-number`, `expected a whole number, got ${JSON.stringify(raw["device-number"])}`);
    const iface: Interface = { ...blankInterface(nic.name), kind: "physical", match: { mac }, rename: true, dhcp4: true };
    const v4 = listOf(raw["local-ipv4s"]);
    const v6 = listOf(raw.ipv6s);
    if (v6.length) iface.ipv6 = "dhcp6";
    iface.addresses.push(...secondary(p, v4.slice(1), raw["subnet-ipv4-cidr-block"], `${at}.local-ipv4s`, 1, 24));
    const v6block = listOf(raw["subnet-ipv6-cidr-blocks"])[0];
    iface.addresses.push(...secondary(p, v6.slice(1), v6block, `${at}.ipv6s`, 1, 128));
    devices.set(iface, device);
    book.set(iface, at);
    interfaces.push(iface);
  }
  if (interfaces.length > 1) {
    for (const iface of interfaces) iface.dhcpRouteMetric = 100 * ((devices.get(iface) ?? 0) + 1);
  }
  const config: NetworkConfig = { interfaces, nameservers: { addresses: [], search: [] } };
  checkReferences(p, config, book.of);
  p.throwIfAny();
  return config;
}

function secondary(p: Problems, ips: unknown[], block: unknown, at: string, offset: number, fallback: number): string[] {
  const prefix = typeof block === "string" ? parseCidr(block)?.prefix : undefined;
  return ips.flatMap((ip, i) => p.cidr(ip, prefix ?? fallback, `${at}[${i + offset}]`, `${at}[${i + offset}]`) ?? []);
}
