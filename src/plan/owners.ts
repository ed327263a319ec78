import type { RootedFs } from "../host/types.ts";
import { parseGroup, parsePasswd, type GroupEntry, type PasswdEntry } from "../os/linux/passwd.ts";
import type { Owner } from "./change.ts";

export class UnknownOwnerError extends Error {}

const NUMERIC = /^\d{1,10}$/;

/** An id named by number, or root (uid and gid 0 on every Linux, even in an image with no passwd yet). */
function numeric(name: string): number | undefined {
  if (name === "root") return 0;
  return NUMERIC.test(name) ? Number(name) : undefined;
}

async function readOrEmpty(fs: RootedFs, path: string): Promise<string> {
  return (await fs.exists(path)) ? fs.readText(path) : "";
}

/**
 * Names ↔ ids from the root's own /etc/passwd and /etc/group. Loaded lazily and dropped with
 * `forget()` whenever a step may have changed them (a useradd run, a write to either file), so a
 * later step can own files by a user an earlier step created.
 */
export class OwnerTable {
  #tables: Promise<{ users: PasswdEntry[]; groups: GroupEntry[] }> | null = null;

  constructor(private readonly fs: RootedFs) {}

  forget(): void {
    this.#tables = null;
  }

  #load() {
    this.#tables ??= Promise.all([readOrEmpty(this.fs, "/etc/passwd"), readOrEmpty(this.fs, "/etc/group")]).then(([p, g]) => ({
      users: parsePasswd(p),
      groups: parseGroup(g),
    }));
    return this.#tables;
  }

  /** Ids for an owner; an all-digit name that is no account's name is taken as the id itself, as chown(1) does. */
  async resolve(owner: Owner): Promise<{ uid: number; gid: number }> {
    const { users, groups } = await this.#load();
    const user = users.find((u) => u.name === owner.user);
    const uid = user?.uid ?? numeric(owner.user);
    if (uid === undefined) throw new UnknownOwnerError(`unknown user ${JSON.stringify(owner.user)}: not in the target's /etc/passwd`);
    const group = groups.find((g) => g.name === owner.group);
    const gid = group?.gid ?? numeric(owner.group);
    if (gid === undefined) throw new UnknownOwnerError(`unknown group ${JSON.stringify(owner.group)}: not in the target's /etc/group`);
    return { uid, gid };
  }

  /** "user:group" for ids, by name where the tables know them. */
  async describe(uid: number, gid: number): Promise<string> {
    const { users, groups } = await this.#load();
    const user = users.find((u) => u.uid === uid)?.name ?? String(uid);
    const group = groups.find((g) => g.gid === gid)?.name ?? String(gid);
    return `${user}:${group}`;
  }
}

/** Writes to these change who exists: the table must be read again after them. */
export const ACCOUNT_FILES = new Set(["/etc/passwd", "/etc/group"]);
