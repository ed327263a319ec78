import type { FileStat, RootedFs } from "../host/types.ts";
import { writeAtomic } from "./fs-helpers.ts";

/**
 * The account databases. useradd and its kin rewrite them one after another, each atomically but
 * not together: out of space half way, useradd leaves the user in /etc/passwd and not in
 * /etc/shadow or /etc/group, and every later run sees the user "exists" and never mends it.
 */
export const ACCOUNT_DATABASES = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/subuid", "/etc/subgid"] as const;

/** shadow-utils' and busybox's account tools: the programs whose failure is undone here. */
const ACCOUNT_TOOLS = new Set(["useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd", "chpasswd", "chgpasswd", "passwd", "chage", "adduser", "addgroup", "deluser", "delgroup"]);

/** Whether argv runs an account tool, directly or through `chroot DIR` (busybox images offline). */
export function isAccountTool(argv: readonly string[]): boolean {
  const program = argv[0] === "chroot" ? argv[2] : argv[0];
  return program !== undefined && ACCOUNT_TOOLS.has(program.slice(program.lastIndexOf("/") + 1));
}

type Saved = { bytes: Uint8Array; stat: FileStat } | null;
export type AccountSnapshot = Map<string, Saved>;

/** The databases as they are now (null for one that does not exist), to put back if a tool fails. */
export async function snapshotAccounts(fs: RootedFs): Promise<AccountSnapshot> {
  const out: AccountSnapshot = new Map();
  for (const path of ACCOUNT_DATABASES) {
    const stat = await fs.lstat(path);
    out.set(path, stat?.type === "file" ? { bytes: await fs.readFile(path), stat } : null);
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Puts back each database a failed tool changed, all or as many as possible: returns what was put
 * back and what could not be (with why). Only regular files are compared; anything else is left.
 */
export async function restoreAccounts(fs: RootedFs, saved: AccountSnapshot): Promise<{ restored: string[]; failed: string[] }> {
  const restored: string[] = [];
  const failed: string[] = [];
  for (const [path, before] of saved) {
    try {
      const now = await fs.lstat(path);
      if (before === null) {
        // A database the tool created (e.g. /etc/subuid): gone again, as before the run.
        if (now?.type === "file") {
          await fs.remove(path);
          restored.push(path);
        }
        continue;
      }
      if (now?.type === "file" && now.mode === before.stat.mode && same(await fs.readFile(path), before.bytes)) continue;
      await writeAtomic(fs, path, before.bytes, { mode: before.stat.mode, uid: before.stat.uid, gid: before.stat.gid });
      restored.push(path);
    } catch (error) {
      failed.push(`${path} (${(error as Error).message})`);
    }
  }
  return { restored, failed };
}

/**
 * Runs `run` (a step running argv); when argv is an account tool and the step fails, the databases
 * are put back as they were before it, so an account is created whole or not at all, and the next
 * run creates it again. The step stays failed; its message says what was put back.
 */
export async function undoingAccounts<T extends { status: string; message?: string }>(fs: RootedFs, argv: readonly string[], run: () => Promise<T>): Promise<T> {
  if (!isAccountTool(argv)) return run();
  const saved = await snapshotAccounts(fs);
  const outcome = await run();
  if (outcome.status !== "failed") return outcome;
  const { restored, failed } = await restoreAccounts(fs, saved);
  const notes = [...(restored.length ? [`${restored.join(", ")} put back as before it`] : []), ...(failed.length ? [`could not put back ${failed.join(", ")}`] : [])];
  return notes.length ? { ...outcome, message: `${outcome.message ?? "failed"}; ${notes.join("; ")}` } : outcome;
}
