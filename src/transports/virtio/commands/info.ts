import * as v from "valibot";
import type { QgaCommand } from "../qga-types.ts";

/**
 * guest-sync's id. qemu-ga takes any int64 (negatives included) and echoes it; a string, a
 * fraction, a boolean or null is "Invalid parameter type for 'id', expected: integer". We take the
 * integers a JSON number holds exactly (±2^53−1): beyond that the echo could differ from what the
 * host sent, and a wrong echo is worse than an error (hosts send small ids: a counter, the time in ms).
 */
const SyncArgs = v.strictObject({ id: v.pipe(v.number(), v.safeInteger()) });

/** guest-ping: {} when the agent is alive (qga/commands.c qmp_guest_ping returns nothing). */
export const guestPing: QgaCommand = {
  name: "guest-ping",
  kind: "read",
  run: async () => ({}),
};

/** guest-sync {id} → id: the host's handshake before a real command (libvirt). */
export const guestSync: QgaCommand = {
  name: "guest-sync",
  kind: "read",
  args: SyncArgs,
  run: async (_ctx, args: v.InferOutput<typeof SyncArgs>) => args.id,
};

/**
 * guest-sync-delimited {id} → id. The 0xFF byte before the reply (and the parser reset it asks
 * for) belong to the session layer: the value is the same as guest-sync's.
 */
export const guestSyncDelimited: QgaCommand = {
  name: "guest-sync-delimited",
  kind: "read",
  args: SyncArgs,
  run: async (_ctx, args: v.InferOutput<typeof SyncArgs>) => args.id,
};

/**
 * guest-info → {version, supported_commands: [{name, enabled, success-response}]}
 * (qapi-schema.json GuestAgentInfo / GuestAgentCommandInfo; every member required).
 */
export const guestInfo: QgaCommand = {
  name: "guest-info",
  kind: "read",
  run: async (ctx) => ({
    version: ctx.version,
    supported_commands: ctx.supported().map((c) => ({ name: c.name, enabled: c.enabled, "success-response": c.successResponse })),
  }),
};

export const INFO_COMMANDS: readonly QgaCommand[] = [guestPing, guestSync, guestSyncDelimited, guestInfo];
