import { expect, test } from "bun:test";
import { createFakeHost } from "../../../../src/host/fake.ts";
import { guestGetTime } from "../../../../src/transports/virtio/commands/get-time.ts";
import type { QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { readOnlyContext } from "./qga-test-context.ts";

function context(now: number): QgaContext {
  const host = createFakeHost({ now });
  return readOnlyContext(host);
}

test("guest-get-time: nanoseconds since the epoch, an integer, from the Host's clock", async () => {
  const now = Date.UTC(2026, 4, 9, 12, 30, 15, 123);
  const ns = await guestGetTime.run(context(now), {});
  expect(guestGetTime.kind).toBe("read");
  expect(typeof ns).toBe("number");
  expect(Number.isInteger(ns)).toBe(true);
  expect(ns).toBe(now * 1e6);
  // On the wire it is digits, no exponent and no fraction, as qemu-ga's int64.
  expect(JSON.stringify(ns)).toMatch(/^\d{19}$/);
  expect(BigInt(JSON.stringify(ns)) / 1_000_000n).toBe(BigInt(now));
});

test("guest-get-time: a fractional clock is floored to the millisecond", async () => {
  expect(await guestGetTime.run(context(1_000.9), {})).toBe(1_000 * 1e6);
});
