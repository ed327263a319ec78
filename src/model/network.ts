import * as v from "valibot";
import { parseCidr, parseIp } from "../network/ip.ts";
import { recordOf } from "./mapping.ts";

/**
 * THE intermediate network form. Every source (network_data.json, network config v1/v2, XenStore
 * vm-data/networking, EC2) converts into it, and every renderer reads only it, so a renderer never
 * learns a source's quirks and a converter never learns a renderer's.
 *
 * Names are final: `name` is what the interface is called once configured (after any rename), and
 * members, VLAN links and routes refer to interfaces by that name. Addresses are canonical
 * (RFC 5952 for IPv6) so that two spellings of one address compare equal.
 */

const Address = v.pipe(
  v.string(),
  v.check((s) => parseIp(s) !== undefined, (i) => `expected an IP address, got ${JSON.stringify(i.input)}`),
);
const Network = v.pipe(
  v.string(),
  v.check((s) => parseCidr(s) !== undefined, (i) => `expected ADDRESS/PREFIX, got ${JSON.stringify(i.input)}`),
);
const Mac = v.pipe(v.string(), v.regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, "expected a lower-case MAC address"));
/**
 * What the kernel takes as a name (dev_valid_name: 15 bytes, no white space, '/' or ':', not . or ..),
 * less control characters: every renderer writes names into line-based files.
 */
const INTERFACE_NAME = /^(?!\.\.?$)[^\s/:\x00-\x1f\x7f]{1,15}$/;
export const INTERFACE_NAME_RULE = "1-15 characters; no white space, control characters, '/' or ':'";
export const isInterfaceName = (name: unknown): name is string => typeof name === "string" && INTERFACE_NAME.test(name);
const Name = v.pipe(v.string(), v.check((s: string) => isInterfaceName(s), `expected an interface name (${INTERFACE_NAME_RULE})`));
/** Free text that ends up on one line of a config file: a line break in it would start another line. */
const LINE = /^[^\x00-\x1f\x7f\u2028\u2029]*$/;
const OneLine = v.pipe(v.string(), v.regex(LINE, "expected text without line breaks or control characters"));
/** A search domain or a match glob: one word. */
const Word = v.pipe(v.string(), v.regex(/^[^\s\x00-\x1f\x7f]+$/, "expected one word (no white space or control characters)"));

export const RouteSchema = v.object({
  /** Destination network, ADDRESS/PREFIX; a default route is 0.0.0.0/0 or ::/0. */
  to: Network,
  via: v.optional(Address),
  metric: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

export const NameserversSchema = v.object({
  addresses: v.array(Address),
  search: v.array(Word),
});

/** A static address with its prefix: "192.0.2.10/24", "2001:db8::10/64". */
export const StaticAddressSchema = Network;

/**
 * How IPv6 gets configured besides static addresses:
 * - dhcp6: stateful DHCPv6 (addresses from the server; RA still gives the route)
 * - slaac: addresses from router advertisements only
 * - dhcp6-stateless: SLAAC addresses, other settings (DNS) from DHCPv6
 */
export const Ipv6AutoSchema = v.picklist(["none", "dhcp6", "slaac", "dhcp6-stateless"]);

const common = {
  name: Name,
  mtu: v.optional(v.pipe(v.number(), v.integer(), v.minValue(68), v.maxValue(65535))),
  dhcp4: v.boolean(),
  ipv6: Ipv6AutoSchema,
  /** Router advertisements: true/false forces; absent leaves the OS default. */
  acceptRa: v.optional(v.boolean()),
  /** Metric of the routes DHCP/RA hands out (netplan dhcp4-overrides route-metric): EC2 orders its NICs so. */
  dhcpRouteMetric: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  addresses: v.array(StaticAddressSchema),
  routes: v.array(RouteSchema),
  nameservers: NameserversSchema,
};

const Scalar = v.union([OneLine, v.number(), v.boolean(), v.array(OneLine)]);

export const PhysicalSchema = v.object({
  ...common,
  kind: v.literal("physical"),
  /** How the device is found. Neither: by `name` itself. */
  match: v.object({ mac: v.optional(Mac), name: v.optional(Word) }),
  /** Rename the matched device to `name` (netplan set-name, a systemd .link, HWADDR in ifcfg). */
  rename: v.boolean(),
});

export const BondSchema = v.object({
  ...common,
  kind: v.literal("bond"),
  members: v.array(Name),
  /** A kernel bonding mode by name: balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb. */
  mode: v.picklist(["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"]),
  /** Bond parameters under netplan's names (mii-monitor-interval, lacp-rate, transmit-hash-policy, …). */
  params: recordOf(Scalar),
  mac: v.optional(Mac),
});

export const BridgeSchema = v.object({
  ...common,
  kind: v.literal("bridge"),
  members: v.array(Name),
  /** Bridge parameters under netplan's names (stp, forward-delay, priority, …). */
  params: recordOf(Scalar),
  mac: v.optional(Mac),
});

export const VlanSchema = v.object({
  ...common,
  kind: v.literal("vlan"),
  id: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4094)),
  link: Name,
  mac: v.optional(Mac),
});

export const InterfaceSchema = v.variant("kind", [PhysicalSchema, BondSchema, BridgeSchema, VlanSchema]);

export const NetworkConfigSchema = v.object({
  interfaces: v.array(InterfaceSchema),
  /** Resolver settings for the whole machine; per-interface ones are on each interface. */
  nameservers: NameserversSchema,
});

export type Route = v.InferOutput<typeof RouteSchema>;
export type Nameservers = v.InferOutput<typeof NameserversSchema>;
export type Ipv6Auto = v.InferOutput<typeof Ipv6AutoSchema>;
export type Physical = v.InferOutput<typeof PhysicalSchema>;
export type Bond = v.InferOutput<typeof BondSchema>;
export type Bridge = v.InferOutput<typeof BridgeSchema>;
export type Vlan = v.InferOutput<typeof VlanSchema>;
export type Interface = v.InferOutput<typeof InterfaceSchema>;
export type NetworkConfig = v.InferOutput<typeof NetworkConfigSchema>;
export type BondMode = Bond["mode"];
export type InterfaceKind = Interface["kind"];

/** A host NIC: the kernel's name and its MAC address (lower case). */
export interface Nic {
  name: string;
  mac: string;
}

export const emptyNameservers = (): Nameservers => ({ addresses: [], search: [] });

/** Fields every interface starts with: nothing configured. */
export function blankInterface(name: string) {
  return { name, dhcp4: false, ipv6: "none" as Ipv6Auto, addresses: [] as string[], routes: [] as Route[], nameservers: emptyNameservers() };
}

/** Kernel bonding modes by number, as network_data.json and ifenslave also allow. */
export const BOND_MODES: readonly BondMode[] = ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"];

export function isDefaultRoute(route: Route): boolean {
  return route.to.endsWith("/0");
}
