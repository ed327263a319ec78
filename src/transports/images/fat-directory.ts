import { latin1, u8, u16le, u32le } from "./byte-fields.ts";

/** One entry of a FAT directory, with its long name resolved. */
export interface FatEntry {
  name: string;
  dir: boolean;
  size: number;
  firstCluster: number;
  mtimeMs: number;
}

const ATTR_VOLUME_ID = 0x08;
const ATTR_DIRECTORY = 0x10;
const ATTR_LONG_NAME = 0x0f;
const DELETED = 0xe5;
const LAST_PIECE = 0x40;

const ucs2 = new TextDecoder("utf-16le");

/**
 * The entries of a directory's bytes ("." and ".." and volume labels left out). A long name is used
 * only when its pieces come in order and their checksum matches the short name that follows, as
 * Windows and Linux decide: anything else is a leftover from a deleted or renamed file.
 */
export function fatEntries(data: Uint8Array, fat32: boolean): FatEntry[] {
  const entries: FatEntry[] = [];
  let long: { checksum: number; expect: number; pieces: Uint16Array[] } | null = null;
  for (let at = 0; at + 32 <= data.length; at += 32) {
    const e = data.subarray(at, at + 32);
    const first = u8(e, 0);
    if (first === 0) break;
    if (first === DELETED) {
      long = null;
      continue;
    }
    const attr = u8(e, 11);
    if (attr === ATTR_LONG_NAME) {
      long = nextPiece(long, e);
      continue;
    }
    const pending = long;
    long = null;
    if (attr & ATTR_VOLUME_ID) continue;
    const short = shortName(e);
    if (short === "." || short === "..") continue;
    const name = pending && pending.expect === 0 && pending.checksum === shortNameChecksum(e) ? longName(pending.pieces) : short;
    entries.push({
      name,
      dir: (attr & ATTR_DIRECTORY) !== 0,
      size: u32le(e, 28),
      // The high half is FAT32's; FAT12/16 used those bytes for other things (OS/2 EA handles).
      firstCluster: (fat32 ? u16le(e, 20) * 0x10000 : 0) + u16le(e, 26),
      mtimeMs: fatDate(u16le(e, 24), u16le(e, 22)),
    });
  }
  return entries;
}

/** Long-name pieces come last first (ordinal n with 0x40 set) down to 1, all with one checksum. */
function nextPiece(long: { checksum: number; expect: number; pieces: Uint16Array[] } | null, e: Uint8Array) {
  const ordinal = u8(e, 0) & 0x3f;
  const checksum = u8(e, 13);
  if (u8(e, 0) & LAST_PIECE) {
    if (ordinal === 0 || ordinal > 20) return null;
    long = { checksum, expect: ordinal, pieces: [] };
  } else if (!long || ordinal !== long.expect || checksum !== long.checksum) {
    return null;
  }
  const units = new Uint16Array(13);
  [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30].forEach((offset, i) => (units[i] = u16le(e, offset)));
  long.pieces[ordinal - 1] = units;
  long.expect = ordinal - 1;
  return long;
}

function longName(pieces: Uint16Array[]): string {
  const units: number[] = [];
  for (const piece of pieces) for (const unit of piece) units.push(unit);
  const end = units.indexOf(0);
  const used = Uint16Array.from(end === -1 ? units : units.slice(0, end));
  return ucs2.decode(new Uint8Array(used.buffer));
}

/** 8.3 name with Windows NT's case bits (byte 12): 0x08 lower-case base, 0x10 lower-case extension. */
function shortName(e: Uint8Array): string {
  const raw = e.slice(0, 11);
  // 0x05 stands for a real 0xE5 first byte, which would otherwise mean "deleted".
  if (raw[0] === 0x05) raw[0] = DELETED;
  let base = latin1(raw.subarray(0, 8)).replace(/ +$/, "");
  let ext = latin1(raw.subarray(8, 11)).replace(/ +$/, "");
  const caseBits = u8(e, 12);
  if (caseBits & 0x08) base = base.toLowerCase();
  if (caseBits & 0x10) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

export function shortNameChecksum(e: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + u8(e, i)) & 0xff;
  return sum;
}

/** FAT dates are local time with no zone; they are taken as UTC, as Linux does with its default tz. */
function fatDate(date: number, time: number): number {
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  if (day === 0 || month === 0 || month > 12) return 0;
  const hour = time >> 11;
  const minute = (time >> 5) & 0x3f;
  const second = (time & 0x1f) * 2;
  if (hour > 23 || minute > 59 || second > 59) return 0;
  return Date.UTC(1980 + (date >> 9), month - 1, day, hour, minute, second);
}

/** The volume label entry of a root directory, as blkid finds it: attribute 0x08 but not a long name. */
export function rootLabel(data: Uint8Array): string | null {
  for (let at = 0; at + 32 <= data.length; at += 32) {
    const first = u8(data, at);
    if (first === 0) break;
    const attr = u8(data, at + 11);
    if (first === DELETED || attr === ATTR_LONG_NAME || (attr & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) !== ATTR_VOLUME_ID) continue;
    const raw = data.slice(at, at + 11);
    if (raw[0] === 0x05) raw[0] = DELETED;
    return latin1(raw).replace(/[ \0]+$/, "");
  }
  return null;
}
