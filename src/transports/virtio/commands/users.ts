import type { QgaCommand, QgaContext } from "../qga-types.ts";
import { parseUtmp, UT_TYPE, UTMP_RECORD_SIZE } from "../utmp.ts";

/** glibc's _PATH_UTMP, which getutxent(3) reads (a symlink to /run/utmp on current systems). */
export const UTMP_PATH = "/var/run/utmp";

/** The most of the utmp file read: ~10,900 records. A session table is never near this; a bigger file is not trusted further. */
export const MAX_UTMP_BYTES = 4 * 1024 * 1024;

export interface GuestUser {
  user: string;
  "login-time": number;
}

async function readUtmp(ctx: QgaContext): Promise<Uint8Array> {
  try {
    const bytes = await ctx.host.fs.readRange(UTMP_PATH, 0, MAX_UTMP_BYTES);
    if (bytes.length === MAX_UTMP_BYTES) ctx.log.warn(`guest-get-users: ${UTMP_PATH} is ${MAX_UTMP_BYTES} bytes or more; reading only the first ${MAX_UTMP_BYTES / UTMP_RECORD_SIZE | 0} records`);
    return bytes;
  } catch (error) {
    // qemu-ga's getutxent() returns nothing when the file is missing or unreadable: no users, no error.
    ctx.log.debug(`guest-get-users: ${(error as Error).message}`);
    return new Uint8Array(0);
  }
}

/**
 * guest-get-users → [{user, "login-time"}] (qapi-schema.json GuestUser; "domain" is Windows only).
 * As qemu-ga (qga/commands-posix.c, qmp_guest_get_users): USER_PROCESS records only; one entry per
 * user name, in the order each name first appears, with the earliest login of that user;
 * login-time is tv_sec + tv_usec / 1e6, a float in seconds.
 */
export const guestGetUsers: QgaCommand = {
  name: "guest-get-users",
  kind: "read",
  run: async (ctx): Promise<GuestUser[]> => {
    const users = new Map<string, GuestUser>();
    for (const record of parseUtmp(await readUtmp(ctx))) {
      if (record.type !== UT_TYPE.USER_PROCESS) continue;
      const login = record.tvSec + record.tvUsec / 1_000_000;
      const seen = users.get(record.user);
      if (!seen) users.set(record.user, { user: record.user, "login-time": login });
      else if (login < seen["login-time"]) seen["login-time"] = login;
    }
    return [...users.values()];
  },
};
