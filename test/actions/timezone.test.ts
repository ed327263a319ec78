import { describe, expect, test } from "bun:test";
import { timezoneAction } from "../../src/actions/timezone.ts";
import { factsFor, inputsWith, latin1, refusal, unchecked } from "./system-fixtures.ts";

const ROOT = { user: "root", group: "root" };
const ZONE = "TZif2\0\0\0\xff binary";
const files = { "/usr/share/zoneinfo/Europe/Paris": ZONE };

describe("timezone", () => {
  test("running Debian: /etc/timezone and the symlink by ln -sfn", () => {
    const inputs = inputsWith({ timezone: "Europe/Paris" });
    expect(timezoneAction.reads?.(inputs, factsFor("debian"))).toEqual(["/usr/share/zoneinfo/Europe/Paris"]);
    expect(timezoneAction.plan(inputs, factsFor("debian", { files }))).toEqual([
      { kind: "write", path: "/etc/timezone", content: "Europe/Paris\n", mode: 0o644, owner: ROOT, reason: "timezone Europe/Paris from user-data" },
      { kind: "run", argv: ["ln", "-sfn", "/usr/share/zoneinfo/Europe/Paris", "/etc/localtime"], timeoutMs: 10_000, reason: "timezone Europe/Paris from user-data" },
    ]);
  });

  test("offline RHEL: /etc/localtime a byte-exact copy of the zone file, no /etc/timezone", () => {
    const [change, ...rest] = timezoneAction.plan(inputsWith({ timezone: "Europe/Paris" }), factsFor("rhel", { offline: true, files }));
    expect(rest).toEqual([]);
    expect(change).toMatchObject({ kind: "write", path: "/etc/localtime", mode: 0o644, owner: ROOT });
    expect(change?.kind === "write" && latin1(change.content as Uint8Array)).toBe(ZONE);
  });

  test("no timezone, no changes", () => {
    expect(timezoneAction.plan(inputsWith({}), factsFor("debian"))).toEqual([]);
  });

  test("an unknown zone, a directory and a name that climbs are refused as `timezone`", () => {
    expect(refusal(() => timezoneAction.plan(inputsWith({ timezone: "Mars/Olympus_Mons" }), factsFor("debian", { files })))).toMatchObject({ paths: ["timezone"], message: expect.stringContaining("unknown time zone") });
    expect(refusal(() => timezoneAction.plan(inputsWith({ timezone: "Europe" }), factsFor("debian", { files: { "/usr/share/zoneinfo/Europe": "" } }))).message).toContain("not a time zone file");
    expect(refusal(() => timezoneAction.plan(unchecked({ timezone: "../../etc/shadow" }), factsFor("debian"))).paths).toEqual(["timezone"]);
  });
});
