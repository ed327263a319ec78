import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { buildZoneTable, OUTPUT, readInstalledCldr, renderWindowsZones } from "../../../scripts/update-windows-zones.ts";
import { windowsTimezoneAction, windowsZoneOf } from "../../../src/os/windows/actions/timezone.ts";
import { WINDOWS_ZONES } from "../../../src/os/windows/windows-zones.ts";
import { inputsFrom, refusal } from "../../actions/identity-helpers.ts";
import { expectGolden, formatChanges, offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

const planFor = async (yaml: string, facts = windowsFacts()) => planWindows(windowsTimezoneAction, await inputsFrom(yaml), facts);

/** Inputs whose timezone is a Windows id, through the real cloud-config schema. */
const withWindowsId = (id: string) => inputsFrom(`timezone: ${JSON.stringify(id)}\n`);

describe("windows timezone", () => {
  test("an IANA name becomes its Windows zone, set with tzutil", async () => {
    const changes = await planFor("timezone: Europe/Paris\n");
    expect(changes).toEqual([{ kind: "run", argv: ["tzutil.exe", "/s", "Romance Standard Time"], timeoutMs: 30_000, reason: "timezone Romance Standard Time (Europe/Paris) from user-data" }]);
    expectGolden("timezone/europe-paris.txt", formatChanges(changes));
  });

  test("CLDR's aliases and tz links count: the new spelling of a renamed zone, and the old one", () => {
    expect(windowsZoneOf("Asia/Kolkata")).toBe("India Standard Time");
    expect(windowsZoneOf("Asia/Calcutta")).toBe("India Standard Time");
    expect(windowsZoneOf("Europe/Kyiv")).toBe("FLE Standard Time");
    expect(windowsZoneOf("Europe/Kiev")).toBe("FLE Standard Time");
    expect(windowsZoneOf("America/Montreal")).toBe("Eastern Standard Time");
    expect(windowsZoneOf("US/Pacific")).toBe("Pacific Standard Time");
  });

  test("UTC and GMT are Windows' UTC (not GMT Standard Time, which is London with its summer time)", () => {
    for (const name of ["UTC", "Etc/UTC", "Etc/GMT", "GMT", "Zulu"]) expect(windowsZoneOf(name)).toBe("UTC");
    expect(windowsZoneOf("Europe/London")).toBe("GMT Standard Time");
  });

  test("already the zone: nothing to do (the facts hold the current Windows id)", async () => {
    expect(await planFor("timezone: Etc/UTC\n")).toEqual([]);
    expect(await planFor("timezone: America/Los_Angeles\n", windowsFacts({ timezone: "Pacific Standard Time" }))).toEqual([]);
    expect(planWindows(windowsTimezoneAction, await withWindowsId("Pacific Standard Time"), windowsFacts({ timezone: "Pacific Standard Time" }))).toEqual([]);
  });

  test("a Windows id given directly is taken as it is, in Windows' own spelling", async () => {
    const [change] = planWindows(windowsTimezoneAction, await withWindowsId("tokyo standard time"), windowsFacts());
    expect(change).toMatchObject({ kind: "run", argv: ["tzutil.exe", "/s", "Tokyo Standard Time"], reason: "timezone Tokyo Standard Time (tokyo standard time) from user-data" });
    const [same] = planWindows(windowsTimezoneAction, await withWindowsId("Tokyo Standard Time"), windowsFacts());
    expect(windowsZoneOf("Pacific Standard Time (Mexico)")).toBe("Pacific Standard Time (Mexico)");
    expect(same).toMatchObject({ reason: "timezone Tokyo Standard Time from user-data" });
  });

  test("an unknown zone stops the boot, naming the source and the field", async () => {
    const inputs = await inputsFrom("timezone: Mars/Olympus_Mons\n");
    expect(refusal(() => windowsTimezoneAction.plan(inputs, windowsFacts()))).toBe(
      'seed user-data: timezone: unknown time zone "Mars/Olympus_Mons": expected an IANA name such as Europe/Paris or a Windows time zone id such as "Romance Standard Time"',
    );
    // A zone CLDR knows but Windows has none for.
    const troll = await inputsFrom("timezone: Antarctica/Troll\n");
    expect(refusal(() => windowsTimezoneAction.plan(troll, windowsFacts()))).toContain("unknown time zone");
  });

  test("offline: nothing runs, the zone is left for the first boot, a bad name is still refused", async () => {
    const inputs = await inputsFrom("timezone: Europe/Paris\n");
    const facts = offlineWindowsFacts();
    expect(planWindows(windowsTimezoneAction, inputs, facts)).toEqual([]);
    expect(windowsTimezoneAction.deferredWhenOffline).toBe(true);
    expect(windowsTimezoneAction.notes?.(inputs, facts)).toEqual(["timezone: Romance Standard Time is set at the image's first boot (a time zone is the running system's setting)"]);
    expect(windowsTimezoneAction.notes?.(inputs, windowsFacts())).toEqual([]);
    const bad = await inputsFrom("timezone: Nowhere/Land\n");
    expect(refusal(() => windowsTimezoneAction.plan(bad, facts))).toContain("timezone: unknown time zone");
    // Refusing is the plan's to do: notes never throw.
    expect(windowsTimezoneAction.notes?.(bad, facts)).toEqual([]);
  });

  test("no timezone in the cloud-config: nothing, no note", async () => {
    const inputs = await inputsFrom("hostname: web-1\n");
    expect(planWindows(windowsTimezoneAction, inputs, windowsFacts())).toEqual([]);
    expect(windowsTimezoneAction.notes?.(inputs, offlineWindowsFacts())).toEqual([]);
    expect(windowsTimezoneAction).toMatchObject({ name: "timezone", frequency: "per-instance" });
  });

  test("the table: every Windows zone has names, and no name is in two zones", () => {
    const seen = new Map<string, string>();
    for (const [id, names] of Object.entries(WINDOWS_ZONES)) {
      expect(names.length).toBeGreaterThan(0);
      for (const n of names.split(" ")) {
        expect(seen.get(n) ?? id).toBe(id);
        seen.set(n, id);
      }
    }
    expect(Object.keys(WINDOWS_ZONES).length).toBeGreaterThan(130);
  });

  const installed = readInstalledCldr();
  test.skipIf(!installed)("the committed table is what scripts/update-windows-zones.ts makes from the installed unicode-cldr-core", () => {
    const fresh = renderWindowsZones(installed!);
    if (fresh !== readFileSync(OUTPUT, "utf8")) throw new Error("src/os/windows/windows-zones.ts is stale: run bun scripts/update-windows-zones.ts and review the diff");
  });
});

describe("update-windows-zones: how the table is built", () => {
  const zones = (...rows: string[]) => `<supplementalData><windowsZones><mapTimezones otherVersion="w1" typeVersion="2099a">
<!-- <mapZone other="Commented Out" territory="001" type="Not/Here"/> -->
${rows.join("\n")}
</mapTimezones></windowsZones></supplementalData>`;
  const bcp47 = (...types: string[]) => `<ldmlBCP47><keyword><key name="tz">${types.join("\n")}</key></keyword></ldmlBCP47>`;

  test("territory 001 first; bcp47 aliases, a deprecated zone's successor and tz links widen it", () => {
    const table = buildZoneTable(
      zones('<mapZone other="India Standard Time" territory="001" type="Asia/Calcutta"/>', '<mapZone other="FLE Standard Time" territory="UA" type="Europe/Kiev Europe/Uzhgorod"/>', '<mapZone other="FLE Standard Time" territory="001" type="Europe/Kiev"/>'),
      bcp47('<type name="inccu" alias="Asia/Calcutta Asia/Kolkata"/>', '<type name="inold" deprecated="true" preferred="inccu" alias="Asia/Old_Name"/>', '<type name="aqtrl" alias="Antarctica/Troll"/>'),
      "# version 2099z\nZ Europe/Kyiv 2:2:4 - LMT 1880\nL Europe/Kyiv Europe/Kiev\nL Europe/Kyiv Europe/Newer_Link\nZ Antarctica/Troll 0 - -00 2005 F 12\n",
    );
    expect(Object.fromEntries(table.zones)).toEqual({
      "India Standard Time": ["Asia/Calcutta", "Asia/Kolkata", "Asia/Old_Name"],
      "FLE Standard Time": ["Europe/Kiev", "Europe/Kyiv", "Europe/Newer_Link", "Europe/Uzhgorod"],
    });
    expect(table.linked).toEqual(["Europe/Kyiv", "Europe/Newer_Link"]);
    expect(table.unmapped).toEqual(["Antarctica/Troll"]);
    expect(table.missing).toEqual(["Antarctica/Troll"]);
    expect([table.tzVersion, table.windowsVersion]).toEqual(["2099a", "w1"]);
  });

  test("a name in two Windows zones, or a name and a Windows id equal but for case, stops it", () => {
    const twice = zones('<mapZone other="A Standard Time" territory="001" type="X/One"/>', '<mapZone other="B Standard Time" territory="001" type="X/One"/>');
    expect(() => buildZoneTable(twice, bcp47(), "")).toThrow('X/One: in both "A Standard Time" and "B Standard Time"');
    const cased = zones('<mapZone other="A Standard Time" territory="001" type="X/One"/>', '<mapZone other="B Standard Time" territory="001" type="x/one"/>');
    expect(() => buildZoneTable(cased, bcp47(), "")).toThrow("ignoring case");
    const noGolden = zones('<mapZone other="A Standard Time" territory="ZZ" type="X/One"/>');
    expect(() => buildZoneTable(noGolden, bcp47(), "")).toThrow("no territory 001");
  });
});
