import type { Bond } from "../../../model/network.ts";

/** netplan bond parameter → ifenslave / kernel bonding option name (eni `bond-X`, ifcfg BONDING_OPTS). */
export const KERNEL_BOND_OPTION: Record<string, string> = {
  "ad-select": "ad_select",
  "arp-interval": "arp_interval",
  "arp-ip-targets": "arp_ip_target",
  "arp-validate": "arp_validate",
  "down-delay": "downdelay",
  "fail-over-mac-policy": "fail_over_mac",
  "lacp-rate": "lacp_rate",
  "mii-monitor-interval": "miimon",
  "min-links": "min_links",
  "gratuitous-arp": "num_grat_arp",
  primary: "primary",
  "primary-reselect-policy": "primary_reselect",
  "up-delay": "updelay",
  "transmit-hash-policy": "xmit_hash_policy",
  "all-slaves-active": "all_slaves_active",
  "learn-packet-interval": "lp_interval",
  "packets-per-slave": "packets_per_slave",
  "resend-igmp": "resend_igmp",
};

export const optionValue = (value: string | number | boolean | string[], sep = ","): string =>
  Array.isArray(value) ? value.join(sep) : typeof value === "boolean" ? (value ? "1" : "0") : String(value);

/** mode first, then the other options in a stable order, as kernel names. */
export function kernelBondOptions(bond: Bond, sep = ","): [string, string][] {
  const rest = Object.entries(bond.params)
    .filter(([k]) => KERNEL_BOND_OPTION[k])
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => [KERNEL_BOND_OPTION[k] as string, optionValue(v, sep)] as [string, string]);
  return [["mode", bond.mode], ...rest];
}
