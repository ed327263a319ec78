import { describe, expect, test } from "bun:test";
import { CONDITION_SCRIPT, powerStateAction } from "../../src/actions/power-state.ts";
import { factsFor, inputsWith, refusal, unchecked } from "./system-fixtures.ts";

describe("power-state", () => {
  test("systemd: shutdown with its flag, +minutes and the message; one run", () => {
    expect(powerStateAction.plan(inputsWith({ power_state: { mode: "reboot", delay: 5, message: "Rebooting after setup" } }), factsFor("debian"))).toEqual([
      { kind: "run", argv: ["shutdown", "-r", "+5", "Rebooting after setup"], timeoutMs: 30_000, reason: "power_state reboot in 5 minute(s) from user-data" },
    ]);
    expect(powerStateAction.plan(inputsWith({ power_state: { mode: "poweroff", delay: "now" } }), factsFor("rhel"))).toEqual([
      { kind: "run", argv: ["shutdown", "-P", "now"], timeoutMs: 30_000, reason: "power_state poweroff now from user-data" },
    ]);
  });

  test("OpenRC (busybox): seconds, no message", () => {
    expect(powerStateAction.plan(inputsWith({ power_state: { mode: "halt", delay: 2, message: "bye" } }), factsFor("alpine"))).toEqual([
      { kind: "run", argv: ["halt", "-d", "120"], timeoutMs: 30_000, reason: "power_state halt in 2 minute(s) from user-data (busybox takes no message: not shown)" },
    ]);
  });

  test("a condition: one constant script, the user's words as arguments, timeout from power_state.timeout", () => {
    const [change] = powerStateAction.plan(inputsWith({ power_state: { mode: "reboot", condition: "test -f /run/need-reboot", timeout: 60 } }), factsFor("debian"));
    expect(change).toEqual({
      kind: "run",
      argv: ["/bin/sh", "-c", CONDITION_SCRIPT, "tether-power-state", "3", "shutdown", "-r", "now", "/bin/sh", "-c", "test -f /run/need-reboot"],
      timeoutMs: 60_000,
      reason: "power_state reboot now from user-data, if its condition exits 0",
    });
  });

  test("the condition script runs the action only when the condition exits 0, the words intact", () => {
    const run = (argv: string[]) => {
      const p = Bun.spawnSync(["/bin/sh", "-c", CONDITION_SCRIPT, "tether-power-state", ...argv]);
      return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
    };
    expect(run(["3", "printf", "%s|", "a b'c", "true"])).toEqual({ code: 0, out: "a b'c|", err: "" });
    expect(run(["2", "echo", "acted", "/bin/sh", "-c", "exit 3"])).toEqual({ code: 0, out: "", err: "power_state: condition not met: not acting\n" });
    expect(run(["2", "echo", "acted", "test", "-d", "/"]).out).toBe("acted\n");
  });

  test("never offline, never when the condition is false: notes say so", () => {
    const inputs = inputsWith({ power_state: { mode: "reboot" } });
    expect(powerStateAction.plan(inputs, factsFor("debian", { offline: true }))).toEqual([]);
    expect(powerStateAction.notes?.(inputs, factsFor("debian", { offline: true }))).toEqual(["power_state reboot: never under --root; left for the target's first boot"]);
    const off = inputsWith({ power_state: { mode: "reboot", condition: false } });
    expect(powerStateAction.plan(off, factsFor("debian"))).toEqual([]);
    expect(powerStateAction.notes?.(off, factsFor("debian"))).toEqual(["power_state: condition is false: no power change"]);
  });

  test("an empty condition list is refused", () => {
    expect(refusal(() => powerStateAction.plan(unchecked({ power_state: { mode: "reboot", delay: 0, timeout: 30, condition: [] } }), factsFor("debian"))).paths).toEqual(["power_state.condition"]);
  });
});
