import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/host/logger.ts";
import { Secret } from "../../src/model/secret.ts";

function capture(json: boolean, level: "info" | "debug" | "silent" = "info") {
  const lines: string[] = [];
  const log = createLogger({ level, json, write: (l) => lines.push(l) });
  return { log, lines };
}

describe("logger", () => {
  test("JSON lines: one object per line with level, tag and message", () => {
    const { log, lines } = capture(true);
    log.withTag("probe").info("found", "config-2");
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ level: "info", tag: "probe", msg: "found config-2" });
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
  });

  test("text for a person: level, tag, message", () => {
    const { log, lines } = capture(false);
    log.withTag("boot").warn("no network config");
    expect(lines).toEqual(["warn [boot] no network config\n"]);
  });

  test("the level filters", () => {
    const quiet = capture(true, "info");
    quiet.log.debug("hidden");
    expect(quiet.lines).toEqual([]);
    const loud = capture(true, "debug");
    loud.log.debug("shown");
    expect(loud.lines).toHaveLength(1);
    const silent = capture(true, "silent");
    silent.log.error("even errors");
    expect(silent.lines).toEqual([]);
  });

  test("a Secret is never written out, in text or JSON", () => {
    for (const json of [true, false]) {
      const { log, lines } = capture(json);
      const password = new Secret("hunter2");
      log.info("password set", password, { password });
      log.info(`templated ${password}`);
      expect(lines.join("")).not.toContain("hunter2");
      expect(lines.join("")).toContain("[redacted]");
    }
  });
});
