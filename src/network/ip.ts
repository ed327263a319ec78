/**
 * A small IP and CIDR parser: strict on input (no octal, no leading zeros beyond one digit, no
 * zone ids), canonical on output (RFC 5952 for IPv6), so that renderers and the peer comparison
 * see one spelling of each address.
 */

export type Family = 4 | 6;

export interface Ip {
  family: Family;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

export interface Cidr extends Ip {
  prefix: number;
}

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

export const bitsOf = (family: Family): number => (family === 4 ? 32 : 128);

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseV6(text: string): bigint | undefined {
  if (text.length > 45) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groupsOf(halves[0] ?? "");
  const right = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  if (![...left, ...right].every((g) => V6_GROUP.test(g))) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

export function parseIp(text: string): Ip | undefined {
  if (typeof text !== "string") return undefined;
  if (text.includes(":")) {
    const value = parseV6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4(text);
  return value === undefined ? undefined : { family: 4, value };
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - i * 16)) & 0xffffn));
  // RFC 5952: the longest run of two or more zero groups (the first on a tie) becomes "::".
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.len < 2) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

/** Canonical spelling of an address, or undefined when it is not one. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip && formatIp(ip);
}

export function parsePrefix(text: string | number, family: Family): number | undefined {
  const s = String(text);
  if (!/^\d{1,3}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= bitsOf(family) ? n : undefined;
}

/** A dotted netmask (255.255.255.0) as a prefix length; undefined when its ones are not contiguous. */
export function netmaskToPrefix(mask: string): number | undefined {
  const ip = parseIp(mask);
  if (!ip) return undefined;
  const bits = bitsOf(ip.family);
  let prefix = 0;
  while (prefix < bits && ((ip.value >> BigInt(bits - 1 - prefix)) & 1n) === 1n) prefix++;
  const rest = ip.value & ((1n << BigInt(bits - prefix)) - 1n);
  return rest === 0n ? prefix : undefined;
}

export function prefixToNetmask(prefix: number, family: Family = 4): string {
  const bits = BigInt(bitsOf(family));
  const value = ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
  return formatIp({ family, value });
}

/** "ADDRESS/PREFIX" (prefix optional when `defaultPrefix` is given). */
export function parseCidr(text: string, defaultPrefix?: number): Cidr | undefined {
  if (typeof text !== "string") return undefined;
  const [address = "", prefixText, ...rest] = text.split("/");
  if (rest.length) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  const prefix = prefixText === undefined ? defaultPrefix : parsePrefix(prefixText, ip.family);
  return prefix === undefined ? undefined : { ...ip, prefix };
}

export function networkOf(cidr: Cidr): Cidr {
  const host = BigInt(bitsOf(cidr.family) - cidr.prefix);
  return { ...cidr, value: (cidr.value >> host) << host };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr)}/${cidr.prefix}`;
}

/** Whether `ip` lies in the network `cidr` belongs to. */
export function contains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false;
  return networkOf(cidr).value === networkOf({ ...ip, prefix: cidr.prefix }).value;
}

export function isLinkLocal(ip: Ip): boolean {
  if (ip.family === 6) return ip.value >> 118n === 0x3fan; // fe80::/10
  return ip.value >> 16n === 0xa9fen; // 169.254.0.0/16
}
