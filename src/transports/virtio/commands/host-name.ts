import type { QgaCommand } from "../qga-types.ts";

/**
 * guest-get-host-name → {"host-name": …}: the kernel's host name now (gethostname(2), never a
 * cached one). qemu-ga answers "localhost" when gethostname fails; so do we.
 */
export const guestGetHostName: QgaCommand = {
  name: "guest-get-host-name",
  kind: "read",
  run: async (ctx) => {
    let name: string;
    try {
      name = ctx.host.system.hostname();
    } catch (error) {
      ctx.log.debug(`guest-get-host-name: ${(error as Error).message}; answering localhost as qemu-ga does`);
      name = "localhost";
    }
    return { "host-name": name };
  },
};
