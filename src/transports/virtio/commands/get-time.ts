import type { QgaCommand } from "../qga-types.ts";

/**
 * guest-get-time → nanoseconds since the epoch, an integer (qemu-ga: g_get_real_time() µs × 1000,
 * so its last three digits are always 0). The Host's clock is milliseconds (`now()`), the finest
 * it offers, so ours are ms × 1e6: six zero digits, within 1 ms of qemu-ga's. The value (~1.8e18)
 * is past 2^53, but ms × 1e6 is still an integer-valued double, and JSON prints it as one.
 */
export const guestGetTime: QgaCommand = {
  name: "guest-get-time",
  kind: "read",
  run: async (ctx) => Math.floor(ctx.host.now()) * 1_000_000,
};
