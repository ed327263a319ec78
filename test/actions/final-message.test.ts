import { describe, expect, test } from "bun:test";
import { FINAL_MESSAGE_PATH, finalMessageAction } from "../../src/actions/final-message.ts";
import { VERSION } from "../../src/version.ts";
import { factsFor, inputsWith } from "./system-fixtures.ts";

describe("final-message", () => {
  test("cloud-init's substitutions, $NAME and ${NAME}; unknown names left; written and given as a note", () => {
    const inputs = inputsWith({ final_message: "up ${UPTIME}s, $DATASOURCE at $TIMESTAMP ($NOPE)" });
    const facts = factsFor("debian", { files: { "/proc/uptime": "12.34 40.00\n" } });
    const message = "up 12.34s, nocloud (seed) at Wed, 02 Jan 2030 03:04:05 GMT ($NOPE)";
    expect(finalMessageAction.plan(inputs, facts)).toEqual([{ kind: "write", path: FINAL_MESSAGE_PATH, content: `${message}\n`, mode: 0o644, reason: "final_message" }]);
    expect(finalMessageAction.notes?.(inputs, facts)).toEqual([message]);
    expect(finalMessageAction.frequency).toBe("per-boot");
  });

  test("the default names the agent and version; uptime unknown without /proc/uptime", () => {
    expect(finalMessageAction.notes?.(inputsWith({}), factsFor("debian"))).toEqual([`tether ${VERSION} finished at Wed, 02 Jan 2030 03:04:05 GMT. Datasource nocloud (seed). Up unknown seconds`]);
  });
});
