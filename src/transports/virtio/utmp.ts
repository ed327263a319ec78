/**
 * glibc's utmp file (/var/run/utmp): fixed-size `struct utmp` records, as getutxent(3) reads them.
 * On x86_64 and arm64 (and every 64-bit glibc with __WORDSIZE_TIME64_COMPAT32) a record is 384
 * bytes, little-endian:
 *
 *   0 ut_type i16 (+2 pad) · 4 ut_pid i32 · 8 ut_line[32] · 40 ut_id[4] · 44 ut_user[32] ·
 *   76 ut_host[256] · 332 ut_exit {i16 termination, i16 exit} · 336 ut_session i32 ·
 *   340 ut_tv {i32 tv_sec, i32 tv_usec} · 348 ut_addr_v6 i32[4] · 364 __unused[20]
 *
 * The strings are NUL-padded, and not NUL-terminated when they fill their field.
 */

export const UTMP_RECORD_SIZE = 384;

/** ut_type values (utmp.h); guest-get-users reports USER_PROCESS only. */
export const UT_TYPE = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const;

export interface UtmpRecord {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  session: number;
  tvSec: number;
  tvUsec: number;
}

const decoder = new TextDecoder("utf-8");

/** A fixed-size char field: up to its first NUL, or the whole field when it has none. */
function field(bytes: Uint8Array, offset: number, length: number): string {
  const slice = bytes.subarray(offset, offset + length);
  const nul = slice.indexOf(0);
  return decoder.decode(nul === -1 ? slice : slice.subarray(0, nul));
}

/** Every whole record in `bytes`, in file order; a truncated last record is ignored, as glibc does. */
export function parseUtmp(bytes: Uint8Array): UtmpRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: UtmpRecord[] = [];
  for (let at = 0; at + UTMP_RECORD_SIZE <= bytes.length; at += UTMP_RECORD_SIZE) {
    records.push({
      type: view.getInt16(at, true),
      pid: view.getInt32(at + 4, true),
      line: field(bytes, at + 8, 32),
      id: field(bytes, at + 40, 4),
      user: field(bytes, at + 44, 32),
      host: field(bytes, at + 76, 256),
      session: view.getInt32(at + 336, true),
      tvSec: view.getInt32(at + 340, true),
      tvUsec: view.getInt32(at + 344, true),
    });
  }
  return records;
}
