import { equalsAscii, u8, u32le } from "./byte-fields.ts";
import type { Fail } from "./fail.ts";

/** One SUSP entry (IEEE P1281): two signature letters, length, version, then its data. */
export interface SuspEntry {
  signature: string;
  bytes: Uint8Array;
}

/** Reads a continuation area (block, offset, length), checked against the volume by the caller. */
export type ReadContinuation = (block: number, offset: number, length: number) => Promise<Uint8Array>;

/** Linux gives up after 32 continuation areas for one record (RR_MAX_CE_ENTRIES); so do we. */
export const MAX_CONTINUATIONS = 32;
/** Longer names than this are refused: Linux stops at 255 bytes, and nothing real comes near. */
const MAX_NAME_BYTES = 1024;

/**
 * The SP entry that opens the root's "." record announces SUSP; its last byte is how many bytes to
 * skip at the start of every other system use area. null when the volume does not use SUSP.
 */
export function sharingProtocolSkip(systemUse: Uint8Array): number | null {
  if (systemUse.length < 7 || !equalsAscii(systemUse, 0, "SP") || u8(systemUse, 2) < 7 || u8(systemUse, 3) !== 1) return null;
  if (u8(systemUse, 4) !== 0xbe || u8(systemUse, 5) !== 0xef) return null;
  return u8(systemUse, 6);
}

/** Every entry of a system use area, following CE continuation areas, stopping at ST. */
export async function suspEntries(area: Uint8Array, readContinuation: ReadContinuation, fail: Fail): Promise<SuspEntry[]> {
  const entries: SuspEntry[] = [];
  let current: Uint8Array | null = area;
  for (let followed = 0; current; ) {
    let next: [number, number, number] | null = null;
    let at = 0;
    // Fewer than 4 bytes left, or a length under 4, is padding (images pad odd areas with a zero byte).
    while (at + 4 <= current.length) {
      const length = u8(current, at + 2);
      if (length < 4 || at + length > current.length) break;
      const bytes: Uint8Array = current.subarray(at, at + length);
      const signature = String.fromCharCode(u8(bytes, 0), u8(bytes, 1));
      at += length;
      if (signature === "ST") break;
      if (signature === "CE" && length >= 28) next = [u32le(bytes, 4), u32le(bytes, 12), u32le(bytes, 20)];
      else entries.push({ signature, bytes });
    }
    if (!next) break;
    if (++followed > MAX_CONTINUATIONS) {
      fail("Rock Ridge continuation area", `more than ${MAX_CONTINUATIONS} continuation areas for one record: they loop`);
    }
    current = await readContinuation(...next);
  }
  return entries;
}

export interface RockRidgeFields {
  /** From NM; null when the record has none (its ISO name applies). */
  name: string | null;
  /** RE: a directory moved here from deeper than 8 levels; it is shown where its CL points instead. */
  relocated: boolean;
  /** CL: this file record stands for the directory at this block. */
  childLink: number | null;
}

const utf8 = new TextDecoder("utf-8");

export function rockRidgeFields(entries: SuspEntry[], fail: Fail): RockRidgeFields {
  const pieces: Uint8Array[] = [];
  let nameDone = false;
  let special: string | null = null;
  let relocated = false;
  let childLink: number | null = null;
  for (const { signature, bytes } of entries) {
    if (signature === "NM" && !nameDone && bytes.length >= 5) {
      const flags = u8(bytes, 4);
      if (flags & 0x02) special = ".";
      if (flags & 0x04) special = "..";
      pieces.push(bytes.subarray(5));
      // Without CONTINUE (bit 0) this piece ends the name; later NM entries are ignored.
      if (!(flags & 0x01)) nameDone = true;
    } else if (signature === "RE") {
      relocated = true;
    } else if (signature === "CL" && bytes.length >= 12) {
      childLink = u32le(bytes, 4);
    }
  }
  const total = pieces.reduce((n, p) => n + p.length, 0);
  if (total > MAX_NAME_BYTES) fail("Rock Ridge name", `${total} bytes is over the limit of ${MAX_NAME_BYTES}`);
  let name: string | null = special;
  if (name === null && pieces.length > 0) {
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of pieces) {
      joined.set(p, at);
      at += p.length;
    }
    name = utf8.decode(joined);
  }
  return { name, relocated, childLink };
}
