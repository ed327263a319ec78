import { describe, expect, test } from "bun:test";
import { dateOperand, guestSetTime } from "../../../../src/transports/virtio/commands/set-time.ts";
import { call, contextFor, fakeHost } from "./qga-test-context.ts";

/** Fake hosts only: the clock of this machine is never set; the tests check the argv. */
function setup(options: Parameters<typeof fakeHost>[0] = {}) {
  const host = fakeHost({ programs: { date: () => ({}), hwclock: () => ({}) }, ...options });
  const ctx = contextFor(host, async () => "unused");
  return { host, ctx, qga: (args?: unknown) => call(ctx, [guestSetTime], "guest-set-time", args) };
}

describe("guest-set-time (fake host)", () => {
  test("with a time: `date -u -s @SECONDS.NANOSECONDS`, then `hwclock -w`", async () => {
    const { host, qga } = setup();
    expect(await qga({ time: 1_700_000_000_123_456_789 })).toEqual({ return: {} });
    // 1700000000123456789 is not a double; the JSON number is 1700000000123456768, and every digit of it is kept.
    expect(host.calls.map((c) => c.argv)).toEqual([
      ["date", "-u", "-s", "@1700000000.123456768"],
      ["hwclock", "-w"],
    ]);
  });

  test("without a time: the system clock from the RTC, `hwclock -s`, and nothing else", async () => {
    const { host, qga } = setup();
    expect(await qga({})).toEqual({ return: {} });
    expect(await qga()).toEqual({ return: {} });
    expect(host.calls.map((c) => c.argv)).toEqual([["hwclock", "-s"], ["hwclock", "-s"]]);
  });

  test("times before 1970 or from 2070 on are refused (qemu-ga's range), nothing run", async () => {
    const { host, qga } = setup();
    for (const time of [-1, Date.UTC(2070, 0, 1) * 1e6, 2 ** 63]) {
      expect(await qga({ time })).toMatchObject({ error: { class: "GenericError", desc: expect.stringMatching(/^Invalid time/) } });
    }
    expect(await qga({ time: 1.5 })).toEqual({ error: { class: "GenericError", desc: "Invalid parameter type for 'time', expected: integer" } });
    expect(host.calls).toEqual([]);
  });

  test("date failing stops before hwclock; hwclock failing says the system clock was set", async () => {
    const failingDate = setup({ programs: { date: () => ({ code: 1, stderr: "date: cannot set date: Operation not permitted\n" }), hwclock: () => ({}) } });
    expect(await failingDate.qga({ time: 1e18 })).toEqual({ error: { class: "GenericError", desc: "Failed to set time to guest: cannot set date: Operation not permitted" } });
    expect(failingDate.host.calls.map((c) => c.argv[0])).toEqual(["date"]);
    const failingRtc = setup({ programs: { date: () => ({}), hwclock: () => ({ code: 1, stderr: "hwclock: Cannot access the Hardware Clock via any known method.\n" }) } });
    expect(await failingRtc.qga({ time: 1e18 })).toMatchObject({ error: { desc: expect.stringContaining("the system clock was set, but setting the hardware clock from it failed") } });
  });

  test("under --root: refused, nothing run", async () => {
    const { host, qga } = setup({ root: "/srv/image" });
    expect(await qga({ time: 1e18 })).toEqual({ error: { class: "GenericError", desc: "guest-set-time would set the clock of this machine, not the target at /srv/image (--root): refused" } });
    expect(await qga({})).toMatchObject({ error: { class: "GenericError" } });
    expect(host.calls).toEqual([]);
  });

  test("dateOperand: nanoseconds padded to nine digits; the last second before 2070 is allowed", () => {
    expect(dateOperand(0)).toBe("@0.000000000");
    expect(dateOperand(5_000_000_007)).toBe("@5.000000007");
    expect(dateOperand((Date.UTC(2070, 0, 1) / 1000 - 1) * 1e9)).toBe(`@${Date.UTC(2070, 0, 1) / 1000 - 1}.000000000`);
    expect(dateOperand(Date.UTC(2070, 0, 1) * 1e6)).toBeNull();
  });
});
