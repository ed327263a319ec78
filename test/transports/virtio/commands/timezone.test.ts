import { afterEach, describe, expect, test } from "bun:test";
import { createFakeHost } from "../../../../src/host/fake.ts";
import type { FakeTree } from "../../../../src/host/fake-fs.ts";
import { guestGetTimezone, numericAbbreviation, parsePosixTz, tzifAbbreviation } from "../../../../src/transports/virtio/commands/timezone.ts";
import type { QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { readOnlyContext } from "./qga-test-context.ts";

interface Zone {
  /** [utoff seconds, isdst, abbreviation] */
  types: [number, 0 | 1, string][];
  /** [transition time (s), type index] */
  transitions?: [number, number][];
  footer?: string;
  /** A version 1 file: 32-bit times, no footer. */
  v1?: boolean;
}

/** A TZif file (RFC 8536) as zic writes it: a v1 block, then (v2) the 64-bit block and the footer. */
function tzif(zone: Zone): Uint8Array {
  const transitions = zone.transitions ?? [];
  let chars = "";
  const index = zone.types.map(([, , abbr]) => {
    const at = chars.indexOf(`${abbr}\0`);
    if (at >= 0) return at;
    chars += `${abbr}\0`;
    return chars.length - abbr.length - 1;
  });
  const block = (timeSize: 4 | 8) => {
    const size = 44 + transitions.length * (timeSize + 1) + zone.types.length * 6 + chars.length;
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    out.set(new TextEncoder().encode("TZif"), 0);
    out[4] = zone.v1 ? 0 : 0x32;
    [0, 0, 0, transitions.length, zone.types.length, chars.length].forEach((n, i) => view.setUint32(20 + 4 * i, n, false));
    let at = 44;
    for (const [t] of transitions) {
      if (timeSize === 8) view.setBigInt64(at, BigInt(t), false);
      else view.setInt32(at, t, false);
      at += timeSize;
    }
    for (const [, type] of transitions) out[at++] = type;
    zone.types.forEach(([utoff, isdst], i) => {
      view.setInt32(at, utoff, false);
      out[at + 4] = isdst;
      out[at + 5] = index[i] as number;
      at += 6;
    });
    out.set(new TextEncoder().encode(chars), at);
    return out;
  };
  const parts = zone.v1 ? [block(4)] : [block(4), block(8), new TextEncoder().encode(`\n${zone.footer ?? ""}\n`)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const JAN = Date.UTC(2026, 0, 15, 12);
const JUL = Date.UTC(2026, 6, 15, 12);
const s = (ms: number) => ms / 1000;

/** Berlin as a "slim" file: the table stops in 1996, the footer has today's rule. */
const BERLIN_SLIM: Zone = {
  types: [[3208, 0, "LMT"], [3600, 0, "CET"], [7200, 1, "CEST"]],
  transitions: [[-2422054408, 1], [s(Date.UTC(1996, 2, 31, 1)), 2], [s(Date.UTC(1996, 9, 27, 1)), 1]],
  footer: "CET-1CEST,M3.5.0,M10.5.0/3",
};
/** Berlin as a "fat" file: the table runs to 2037, so today is inside it. */
const BERLIN_FAT: Zone = {
  types: [[3600, 0, "CET"], [7200, 1, "CEST"]],
  transitions: [[s(Date.UTC(2025, 9, 26, 1)), 0], [s(Date.UTC(2026, 2, 29, 1)), 1], [s(Date.UTC(2026, 9, 25, 1)), 0], [s(Date.UTC(2037, 2, 29, 1)), 1]],
  footer: "CET-1CEST,M3.5.0,M10.5.0/3",
};
const DUBAI: Zone = { types: [[13272, 0, "LMT"], [14400, 0, "+04"]], transitions: [[-1577936472, 1]], footer: "<+04>-4" };
const UTC: Zone = { types: [[0, 0, "UTC"]], footer: "UTC0" };

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

function context(tree: FakeTree, now: number, env: Record<string, string> = {}): QgaContext {
  const host = createFakeHost({ tree, now, env });
  return readOnlyContext(host);
}

describe("guest-get-timezone", () => {
  const cases: [string, string, Zone, number, { zone: string; offset: number }][] = [
    ["UTC", "UTC", UTC, JAN, { zone: "UTC", offset: 0 }],
    ["Berlin in winter (slim file: the footer)", "Europe/Berlin", BERLIN_SLIM, JAN, { zone: "CET", offset: 3600 }],
    ["Berlin in summer (slim file: the footer's DST name)", "Europe/Berlin", BERLIN_SLIM, JUL, { zone: "CEST", offset: 7200 }],
    ["Berlin in winter (fat file: the table)", "Europe/Berlin", BERLIN_FAT, JAN, { zone: "CET", offset: 3600 }],
    ["Berlin in summer (fat file: the table)", "Europe/Berlin", BERLIN_FAT, JUL, { zone: "CEST", offset: 7200 }],
    ["Dubai: a zone with no letters", "Asia/Dubai", DUBAI, JAN, { zone: "+04", offset: 14400 }],
  ];
  for (const [what, id, zone, now, expected] of cases) {
    test(what, async () => {
      process.env.TZ = id;
      const result = await guestGetTimezone.run(context({ [`/usr/share/zoneinfo/${id}`]: tzif(zone) }, now, { TZ: id }), {});
      expect(result).toEqual(expected);
      expect(Object.is((result as { offset: number }).offset, -0)).toBe(false);
    });
  }

  test("without TZ the zone is the runtime's, and /etc/localtime may carry it", async () => {
    process.env.TZ = "Europe/Berlin";
    expect(await guestGetTimezone.run(context({ "/etc/localtime": tzif(BERLIN_SLIM) }, JUL), {})).toEqual({ zone: "CEST", offset: 7200 });
  });

  test("a TZif file for another zone is not believed: the offset decides", async () => {
    process.env.TZ = "Asia/Dubai";
    const result = await guestGetTimezone.run(context({ "/usr/share/zoneinfo/Asia/Dubai": tzif(BERLIN_SLIM) }, JAN, { TZ: "Asia/Dubai" }), {});
    expect(result).toEqual({ zone: "+04", offset: 14400 });
  });

  test("no tz database: ICU's letters when it has them, the numeric form otherwise", async () => {
    for (const [id, expected] of [
      ["UTC", { zone: "UTC", offset: 0 }],
      ["America/New_York", { zone: "EST", offset: -18000 }],
      ["Asia/Dubai", { zone: "+04", offset: 14400 }],
      ["Asia/Kathmandu", { zone: "+0545", offset: 20700 }],
    ] as const) {
      process.env.TZ = id;
      expect(await guestGetTimezone.run(context({}, JAN, { TZ: id }), {})).toEqual(expected);
    }
  });
});

describe("TZif and POSIX TZ pieces", () => {
  test("POSIX TZ strings: names, <quoted> names, offsets east of UTC", () => {
    expect(parsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3")).toEqual({ std: "CET", stdOffset: 3600, dst: "CEST", dstOffset: 7200 });
    expect(parsePosixTz("EST5EDT,M3.2.0,M11.1.0")).toEqual({ std: "EST", stdOffset: -18000, dst: "EDT", dstOffset: -14400 });
    expect(parsePosixTz("<+0545>-5:45")).toEqual({ std: "+0545", stdOffset: 20700 });
    expect(parsePosixTz("IST-2IDT,M3.4.4/26,M10.5.0")).toEqual({ std: "IST", stdOffset: 7200, dst: "IDT", dstOffset: 10800 });
    expect(parsePosixTz("NZST-12NZDT-13,M9.5.0,M4.1.0/3")).toEqual({ std: "NZST", stdOffset: 43200, dst: "NZDT", dstOffset: 46800 });
    expect(parsePosixTz("")).toBeNull();
  });

  test("a version 1 file (no footer) is read from its table", () => {
    const v1 = tzif({ ...BERLIN_FAT, v1: true });
    expect(tzifAbbreviation(v1, s(JUL), 7200)).toBe("CEST");
  });

  test("not a TZif file", () => {
    expect(tzifAbbreviation(new TextEncoder().encode("Europe/Berlin\n"), s(JAN), 3600)).toBeNull();
    expect(tzifAbbreviation(tzif(BERLIN_FAT).subarray(0, 60), s(JAN), 3600)).toBeNull();
  });

  test("numeric abbreviations as the tz database writes them", () => {
    expect([0, 14400, -10800, 20700, 19800, -34200].map(numericAbbreviation)).toEqual(["+00", "+04", "-03", "+0545", "+0530", "-0930"]);
  });
});
