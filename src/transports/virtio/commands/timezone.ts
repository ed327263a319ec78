import type { QgaCommand, QgaContext } from "../qga-types.ts";

export interface GuestTimezone {
  zone?: string;
  offset: number;
}

/** A TZif file is a few kilobytes; nothing past this is read. */
const MAX_TZIF_BYTES = 256 * 1024;

const latin1 = new TextDecoder("latin1");

/** A POSIX TZ string's names and offsets ("CET-1CEST,M3.5.0,M10.5.0/3", "<+04>-4"); offsets in seconds east of UTC. */
export function parsePosixTz(tz: string): { std: string; stdOffset: number; dst?: string; dstOffset?: number } | null {
  const name = /^(?:<([^>]*)>|([A-Za-z]{3,}))/;
  const offset = /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/;
  const seconds = (m: RegExpExecArray) => (m[1] === "-" ? 1 : -1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
  let rest = tz;
  const std = name.exec(rest);
  if (!std) return null;
  rest = rest.slice(std[0].length);
  const so = offset.exec(rest);
  if (!so) return null;
  rest = rest.slice(so[0].length);
  const result: { std: string; stdOffset: number; dst?: string; dstOffset?: number } = { std: std[1] ?? std[2] ?? "", stdOffset: seconds(so) };
  const dst = name.exec(rest);
  if (dst) {
    rest = rest.slice(dst[0].length);
    const dof = offset.exec(rest);
    result.dst = dst[1] ?? dst[2] ?? "";
    result.dstOffset = dof ? seconds(dof) : result.stdOffset + 3600;
  }
  return result;
}

/**
 * The abbreviation a TZif file (RFC 8536, as in /usr/share/zoneinfo) gives the instant `nowSec`
 * whose UTC offset is `offset` seconds: the type of the last transition at or before it, or past
 * the table the footer's POSIX TZ string. Null when the file says nothing for that offset (a file
 * for another zone) or is not a TZif file.
 */
export function tzifAbbreviation(bytes: Uint8Array, nowSec: number, offset: number): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = (at: number) => {
    if (at + 44 > bytes.length || latin1.decode(bytes.subarray(at, at + 4)) !== "TZif") return null;
    const n = (i: number) => view.getUint32(at + 20 + 4 * i, false);
    return { version: bytes[at + 4] ?? 0, isut: n(0), isstd: n(1), leap: n(2), time: n(3), type: n(4), char: n(5) };
  };
  const first = header(0);
  if (!first) return null;
  let at = 0;
  let h = first;
  let timeSize = 4;
  const v1Length = (x: NonNullable<ReturnType<typeof header>>, ts: number) => x.time * ts + x.time + x.type * 6 + x.char + x.leap * (ts + 4) + x.isstd + x.isut;
  if (first.version >= 0x32) {
    const second = header(44 + v1Length(first, 4));
    if (!second) return null;
    at = 44 + v1Length(first, 4);
    h = second;
    timeSize = 8;
  }
  const data = at + 44;
  const end = data + v1Length(h, timeSize);
  if (end > bytes.length || h.type === 0) return null;
  const times = data;
  const indices = times + h.time * timeSize;
  const types = indices + h.time;
  const chars = types + h.type * 6;
  const timeAt = (i: number) => (timeSize === 8 ? Number(view.getBigInt64(times + 8 * i, false)) : view.getInt32(times + 4 * i, false));
  const typeOf = (t: number) => {
    const p = types + 6 * t;
    const idx = bytes[p + 5] ?? 0;
    const abbr = bytes.subarray(chars + idx, chars + h.char);
    const nul = abbr.indexOf(0);
    return { utoff: view.getInt32(p, false), abbr: latin1.decode(nul === -1 ? abbr : abbr.subarray(0, nul)) };
  };
  let last = -1;
  for (let i = 0; i < h.time && timeAt(i) <= nowSec; i++) last = i;
  const footer = timeSize === 8 ? latin1.decode(bytes.subarray(end)).split("\n")[1] ?? "" : "";
  if (footer && (h.time === 0 || last === h.time - 1)) {
    const posix = parsePosixTz(footer);
    if (posix?.stdOffset === offset) return posix.std;
    if (posix?.dst !== undefined && posix.dstOffset === offset) return posix.dst;
  }
  const chosen = typeOf(last === -1 ? 0 : (bytes[indices + last] ?? 0));
  if (chosen.utoff === offset) return chosen.abbr;
  return null;
}

/** The tz database's own form for a zone with no letters: "+04", "-03", "+0545". */
export function numericAbbreviation(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = Math.floor((abs % 3600) / 60);
  return `${sign}${hh}${mm ? String(mm).padStart(2, "0") : ""}`;
}

/** The runtime's local time zone id ("Europe/Berlin", "UTC"): from TZ or /etc/localtime, as the runtime resolved it. */
function localZoneId(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The abbreviation when no TZif file answers: ICU's short name when it is letters (EST, GMT, UTC), else the numeric form. */
function fallbackAbbreviation(nowMs: number, offset: number): string {
  if (offset === 0 && /^(Etc\/)?(UTC|UCT|Universal|Zulu)$/.test(localZoneId())) return "UTC";
  const short = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(nowMs).find((p) => p.type === "timeZoneName")?.value ?? "";
  return /^[A-Za-z]+$/.test(short) ? short : numericAbbreviation(offset);
}

async function zoneAbbreviation(ctx: QgaContext, nowMs: number, offset: number): Promise<string> {
  const id = localZoneId();
  // The runtime knows the zone's id and offset; the abbreviation qemu-ga prints (GLib's, from the
  // tz database) is in the zone's TZif file. Read through host.fs, so under --root it is the
  // target's database: it is used only when it agrees with the runtime's offset.
  const paths = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(id) ? [`/usr/share/zoneinfo/${id}`] : [];
  if (!ctx.host.env.TZ) paths.push("/etc/localtime");
  for (const path of paths) {
    try {
      const found = tzifAbbreviation(await ctx.host.fs.readRange(path, 0, MAX_TZIF_BYTES), Math.floor(nowMs / 1000), offset);
      if (found) return found;
    } catch (error) {
      ctx.log.debug(`guest-get-timezone: ${path}: ${(error as Error).message}`);
    }
  }
  return fallbackAbbreviation(nowMs, offset);
}

/**
 * guest-get-timezone → {zone?, offset} (qapi-schema.json GuestTimezone): offset in seconds east
 * of UTC now, zone the abbreviation in effect now ("UTC", "CET", "CEST", "+04"), as qemu-ga's
 * GLib g_time_zone_get_abbreviation gives it (qga/commands.c). From the runtime's local zone.
 */
export const guestGetTimezone: QgaCommand = {
  name: "guest-get-timezone",
  kind: "read",
  run: async (ctx): Promise<GuestTimezone> => {
    const nowMs = ctx.host.now();
    // 0 - …: UTC's offset is 0, not -0.
    const offset = 0 - new Date(nowMs).getTimezoneOffset() * 60;
    return { zone: await zoneAbbreviation(ctx, nowMs, offset), offset };
  },
};
