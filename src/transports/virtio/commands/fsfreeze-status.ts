import type { QgaCommand } from "../qga-types.ts";

/** guest-fsfreeze-status → "thawed" | "frozen" (qapi-schema.json GuestFsfreezeStatus), from the daemon's state. */
export const guestFsfreezeStatus: QgaCommand = {
  name: "guest-fsfreeze-status",
  kind: "read",
  run: async (ctx) => (ctx.state.frozen ? "frozen" : "thawed"),
};
