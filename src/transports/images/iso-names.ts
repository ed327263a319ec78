import { latin1 } from "./byte-fields.ts";

const ucs2 = new TextDecoder("utf-16be");

/**
 * A plain ISO9660 name as Linux shows it (map=normal): the ";1" version and the "." before it
 * dropped, lower-cased. Lookups of these names ignore case.
 */
export function plainIsoName(raw: Uint8Array): string {
  return latin1(raw).replace(/;\d*$/, "").replace(/\.$/, "").toLowerCase();
}

/** A Joliet name: UCS-2 big-endian, with the version and trailing dots dropped as Linux does. */
export function jolietName(raw: Uint8Array): string {
  return ucs2.decode(raw.subarray(0, raw.length & ~1)).replace(/;\d*$/, "").replace(/\.+$/, "");
}
