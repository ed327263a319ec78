import { u8, u32le } from "./byte-fields.ts";
import type { Fail } from "./fail.ts";

/** One ISO9660 directory record (ECMA-119 9.1), with its system use area for Rock Ridge. */
export interface IsoRecord {
  extent: number;
  size: number;
  flags: number;
  name: Uint8Array;
  mtimeMs: number;
  /** Files recorded in interleaved mode: we refuse to read them rather than return scrambled bytes. */
  interleaved: boolean;
  systemUse: Uint8Array;
}

export const FLAG_DIRECTORY = 0x02;
export const FLAG_ASSOCIATED = 0x04;
export const FLAG_MULTI_EXTENT = 0x80;

/** Smallest record: 33 fixed bytes and a 1-byte name. */
export const MIN_RECORD = 34;

/** The record at `at`; `fail` when it does not fit inside `b` or its name overruns it. */
export function parseRecord(b: Uint8Array, at: number, fail: Fail): IsoRecord {
  const length = u8(b, at);
  if (length < MIN_RECORD) fail("directory record", `record at byte ${at} is ${length} bytes long, under the minimum of ${MIN_RECORD}`);
  if (at + length > b.length) fail("directory record", `record at byte ${at} runs ${at + length - b.length} bytes past its directory`);
  const nameLength = u8(b, at + 32);
  if (nameLength === 0 || 33 + nameLength > length) {
    fail("directory record", `record at byte ${at} has a ${nameLength}-byte name that does not fit in its ${length} bytes`);
  }
  // A pad byte follows an even-length name so the system use area starts on an even offset.
  const systemUseStart = 33 + nameLength + (nameLength % 2 === 0 ? 1 : 0);
  return {
    extent: u32le(b, at + 2),
    size: u32le(b, at + 10),
    flags: u8(b, at + 25),
    interleaved: u8(b, at + 26) !== 0 || u8(b, at + 27) !== 0,
    name: b.subarray(at + 33, at + 33 + nameLength),
    mtimeMs: recordDate(b.subarray(at + 18, at + 25)),
    systemUse: b.subarray(at + Math.min(systemUseStart, length), at + length),
  };
}

/**
 * Every record of a directory's extent, "." and ".." included. A zero length byte means the rest of
 * the logical block is padding: records never cross a block boundary.
 */
export function directoryRecords(data: Uint8Array, blockSize: number, fail: Fail): IsoRecord[] {
  const records: IsoRecord[] = [];
  let at = 0;
  while (at < data.length) {
    const length = u8(data, at);
    if (length === 0) {
      at = (Math.floor(at / blockSize) + 1) * blockSize;
      continue;
    }
    if (Math.floor(at / blockSize) !== Math.floor((at + length - 1) / blockSize)) {
      fail("directory record", `record at byte ${at} crosses the end of its ${blockSize}-byte block`);
    }
    records.push(parseRecord(data, at, fail));
    at += length;
  }
  return records;
}

/** "." and ".." are recorded as the single bytes 0 and 1. */
export function isSelfOrParent(record: IsoRecord): boolean {
  return record.name.length === 1 && (record.name[0] === 0 || record.name[0] === 1);
}

/** ECMA-119 9.1.5: years since 1900, month, day, hour, minute, second, offset from GMT in 15 minutes. */
function recordDate(d: Uint8Array): number {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offset = 0] = d;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return 0;
  const signedOffset = offset > 127 ? offset - 256 : offset;
  return Date.UTC(1900 + year, month - 1, day, hour, minute, second) - signedOffset * 15 * 60_000;
}
