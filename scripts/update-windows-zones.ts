#!/usr/bin/env bun
/**
 * Regenerates src/os/windows/windows-zones.ts, the IANA → Windows time zone table, from Unicode
 * CLDR as Debian ships it (package unicode-cldr-core):
 *
 *   apt-get install unicode-cldr-core && bun scripts/update-windows-zones.ts
 *
 * Two CLDR files: supplemental/windowsZones.xml (which IANA zones each Windows zone covers) and
 * bcp47/timezone.xml (which IANA names are one zone: windowsZones names CLDR's canonical spelling,
 * often the old one, "Asia/Calcutta", and a user writes "Asia/Kolkata"). The package's copyright
 * notice goes into the table, as its license asks of every copy of the data.
 *
 * Debian's CLDR lags the tz database (bookworm's CLDR 41 has "Europe/Kiev" but not the "Europe/Kyiv"
 * of tz 2022b), so the links of the installed tzdata (tzdata.zi, `L TARGET NAME`) then name the
 * zones CLDR does not: only names CLDR has nothing for, never against what CLDR says.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const PACKAGE = "unicode-cldr-core";
export const CLDR = "/usr/share/unicode/cldr/common";
export const OUTPUT = resolve(import.meta.dir, "../src/os/windows/windows-zones.ts");

/** What the generator reads, as text, so that the rendering is a pure function the tests can run. */
export interface CldrSources {
  windowsZones: string;
  timezone: string;
  /** The supplemental DTD: it carries the CLDR version. */
  dtd: string;
  /** /usr/share/doc/unicode-cldr-core/copyright (deb822). */
  copyright: string;
  /** The installed package's version, from dpkg's status file. */
  packageVersion: string;
  /** /usr/share/zoneinfo/tzdata.zi, for its links. */
  tzdata: string;
}

const FILES = {
  windowsZones: join(CLDR, "supplemental/windowsZones.xml"),
  timezone: join(CLDR, "bcp47/timezone.xml"),
  dtd: join(CLDR, "dtd/ldmlSupplemental.dtd"),
  copyright: `/usr/share/doc/${PACKAGE}/copyright`,
  tzdata: "/usr/share/zoneinfo/tzdata.zi",
};

/** The installed package's files, or undefined when the package (or a file of it) is not there. */
export function readInstalledCldr(): CldrSources | undefined {
  if (!Object.values(FILES).every((f) => existsSync(f))) return undefined;
  const read = (f: string) => readFileSync(f, "utf8");
  return {
    windowsZones: read(FILES.windowsZones),
    timezone: read(FILES.timezone),
    dtd: read(FILES.dtd),
    copyright: read(FILES.copyright),
    tzdata: read(FILES.tzdata),
    packageVersion: installedVersion(read("/var/lib/dpkg/status")),
  };
}

function installedVersion(status: string): string {
  const paragraph = status.split(/\n\n+/).find((p) => p.startsWith(`Package: ${PACKAGE}\n`));
  const version = paragraph?.match(/^Version: (.+)$/m)?.[1];
  if (!version) throw new Error(`${PACKAGE} has files but no Version in /var/lib/dpkg/status`);
  return version;
}

/** The elements named `tag`, as attribute maps, outside comments (CLDR's comments hold sample XML at times). */
function elements(xml: string, tag: string): Record<string, string>[] {
  const decode = (v: string) => v.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e] as string);
  return [...xml.replace(/<!--[\s\S]*?-->/g, "").matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, "g"))].map((m) =>
    Object.fromEntries([...(m[1] as string).matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1] as string, decode(a[2] as string)])),
  );
}

const words = (s: string | undefined) => (s ?? "").split(/\s+/).filter(Boolean);

/** The License text of the `Files: *` paragraph (inline, or in its stand-alone License paragraph), unfolded. */
function licenseNotice(copyright: string): string {
  const paragraphs = copyright.split(/\n\s*\n/);
  const field = (p: string, name: string) => p.match(new RegExp(`^${name}:[ \\t]*(.*(?:\\n[ \\t].*)*)`, "m"))?.[1];
  const files = paragraphs.find((p) => /^Files:\s*\*\s*$/m.test(p));
  const license = files && field(files, "License");
  if (!license) throw new Error(`${FILES.copyright}: no License for Files: *`);
  const [name, ...body] = license.split("\n");
  const text = body.length ? body : (paragraphs.map((p) => field(p, "License")).find((l) => l?.startsWith(`${name}\n`))?.split("\n").slice(1) ?? []);
  if (!text.length) throw new Error(`${FILES.copyright}: no text for license ${name}`);
  const copyrightLine = files && field(files, "Copyright");
  return [`Copyright ${copyrightLine ?? ""}`.trim(), `License: ${name}`, "", ...text.map((l) => (l.trim() === "." ? "" : l.replace(/^[ \t]/, "")))].join("\n").trimEnd();
}

export interface ZoneTable {
  /** Windows id → IANA names, CLDR's territory "001" zone first, in windowsZones.xml's order (by UTC offset). */
  zones: Map<string, string[]>;
  /** IANA names CLDR knows (bcp47) but maps to no Windows zone. */
  unmapped: string[];
  /** Names only tzdata's links gave. */
  linked: string[];
  /** tzdata's own zones that end up with no Windows zone (newer than the CLDR, or with none in Windows). */
  missing: string[];
  tzVersion: string;
  windowsVersion: string;
}

/** windowsZones.xml, widened by bcp47 aliases, then tzdata links. A name claimed by two Windows zones stops the generator. */
export function buildZoneTable(windowsZonesXml: string, timezoneXml: string, tzdataZi: string): ZoneTable {
  const windowsOf = new Map<string, string>();
  const golden = new Map<string, string>();
  const claim = (name: string, id: string) => {
    const had = windowsOf.get(name);
    if (had !== undefined && had !== id) throw new Error(`${name}: in both "${had}" and "${id}"`);
    windowsOf.set(name, id);
  };
  for (const z of elements(windowsZonesXml, "mapZone")) {
    const id = z.other as string;
    const names = words(z.type);
    if (!id || !names.length) throw new Error(`windowsZones.xml: a mapZone without other or type: ${JSON.stringify(z)}`);
    for (const n of names) claim(n, id);
    if (z.territory === "001") golden.set(id, names[0] as string);
  }

  // A bcp47 type lists one zone's names ("Asia/Calcutta Asia/Kolkata"); a deprecated one without a
  // Windows zone of its own points at its successor (preferred).
  const types = elements(timezoneXml, "type");
  const aliasesOf = new Map(types.map((t) => [t.name as string, words(t.alias)]));
  const unmapped: string[] = [];
  for (const t of types) {
    const names = words(t.alias);
    const id = [...names, ...(aliasesOf.get(t.preferred ?? "") ?? [])].map((n) => windowsOf.get(n)).find((w) => w !== undefined);
    if (id === undefined) unmapped.push(...names);
    else for (const n of names) claim(n, id);
  }

  // Either end of a link may be the new name (Europe/Kyiv is the target, Europe/Kiev the link).
  const links = [...tzdataZi.matchAll(/^L\s+(\S+)\s+(\S+)/gm)].map((m) => [m[1] as string, m[2] as string] as const);
  const linked: string[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of links) {
      const [known, added] = windowsOf.has(a) ? [a, b] : [b, a];
      const id = windowsOf.get(known);
      if (id === undefined || windowsOf.has(added)) continue;
      windowsOf.set(added, id);
      linked.push(added);
      grew = true;
    }
  }

  const zones = new Map<string, string[]>();
  for (const [name, id] of windowsOf) zones.set(id, [...(zones.get(id) ?? []), name]);
  for (const [id, names] of zones) {
    const first = golden.get(id);
    if (first === undefined) throw new Error(`windowsZones.xml: "${id}" has no territory 001 zone`);
    zones.set(id, [first, ...names.filter((n) => n !== first).sort()]);
  }
  // Lookups ignore case (Windows does, and tz names never differ by case alone): check that holds.
  const seen = new Map<string, string>();
  for (const [id, names] of zones) {
    for (const key of [id, ...names].map((n) => n.toLowerCase())) {
      const other = seen.get(key);
      if (other !== undefined && other !== id) throw new Error(`"${key}" names both "${other}" and "${id}" (ignoring case)`);
      seen.set(key, id);
    }
  }
  const versions = elements(windowsZonesXml, "mapTimezones")[0] ?? {};
  const missing = [...tzdataZi.matchAll(/^Z\s+(\S+)/gm)].map((m) => m[1] as string).filter((n) => !windowsOf.has(n));
  return { zones, unmapped: unmapped.filter((n) => !windowsOf.has(n)).sort(), linked: linked.sort(), missing: missing.sort(), tzVersion: versions.typeVersion ?? "?", windowsVersion: versions.otherVersion ?? "?" };
}

/** The whole generated module, as committed. */
export function renderWindowsZones(src: CldrSources): string {
  const table = buildZoneTable(src.windowsZones, src.timezone, src.tzdata);
  const tzdataVersion = src.tzdata.match(/^# version (\S+)/m)?.[1] ?? "?";
  const cldrVersion = src.dtd.match(/cldrVersion CDATA #FIXED "([^"]+)"/)?.[1] ?? "?";
  const notice = licenseNotice(src.copyright)
    .split("\n")
    .map((l) => ` *   ${l}`.trimEnd());
  const rows = [...table.zones].map(([id, names]) => `  ${JSON.stringify(id)}: ${JSON.stringify(names.join(" "))},`);
  return `/**
 * Generated by scripts/update-windows-zones.ts: do not edit. To regenerate:
 *   apt-get install ${PACKAGE} && bun scripts/update-windows-zones.ts
 *
 * Source: Unicode CLDR ${cldrVersion} (Debian package ${PACKAGE} ${src.packageVersion}),
 * ${FILES.windowsZones} (IANA tz ${table.tzVersion}, Windows ${table.windowsVersion})
 * widened by the aliases in ${FILES.timezone},
 * then by the links in ${FILES.tzdata} (tzdata ${tzdataVersion}) for names CLDR ${cldrVersion} lacks${table.linked.length ? `: ${table.linked.join(" ")}` : ""}.
 * tzdata zones with no Windows zone here (a boot refuses them): ${table.missing.join(" ") || "none"}.
 *
 * The CLDR data is used under its license, whose notice follows (from ${FILES.copyright}):
 *
${notice.join("\n")}
 */

/** Windows time zone id → the IANA names in it, space-separated; the first is CLDR's own for the zone. */
export const WINDOWS_ZONES: Readonly<Record<string, string>> = {
${rows.join("\n")}
};
`;
}

if (import.meta.main) {
  const src = readInstalledCldr();
  if (!src) {
    console.error(`${PACKAGE} is not installed (need ${Object.values(FILES).join(", ")}): apt-get install ${PACKAGE}`);
    process.exit(1);
  }
  const text = renderWindowsZones(src);
  writeFileSync(OUTPUT, text);
  const { zones, unmapped, missing } = buildZoneTable(src.windowsZones, src.timezone, src.tzdata);
  const names = [...zones.values()].reduce((n, z) => n + z.length, 0);
  console.log(`wrote ${OUTPUT}: ${zones.size} Windows zones, ${names} IANA names`);
  console.log(`no Windows zone: ${[...new Set([...unmapped, ...missing])].sort().join(" ") || "none"}`);
}
