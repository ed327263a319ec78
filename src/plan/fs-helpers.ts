import { HostError } from "../errors.ts";
import { FsError } from "../host/fs-error.ts";
import type { RootedFs, WriteOptions } from "../host/types.ts";
import { isTempName, splitPath, tempPathFor } from "./step.ts";

/**
 * Writes `path` through a temp file beside it and a rename: a reader sees the old file or the new,
 * never half. When either fails (a full disk), the temp goes at once: half a file must not be left
 * behind, nor keep the space the next write needs. The error names `path`, not the temp.
 */
export async function writeAtomic(fs: RootedFs, path: string, data: string | Uint8Array, options: WriteOptions): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await fs.writeFile(temp, data, options);
    await fs.rename(temp, path);
  } catch (error) {
    await fs.remove(temp).catch(() => undefined);
    throw error instanceof FsError && error.path === temp ? new FsError(error.code, error.op, path) : error;
  }
}

/**
 * Creates `path` and any missing parents: parents 0755 (as mkdir -p would under umask 022), the
 * directory itself `mode`, set with chmod so the process umask cannot narrow or widen it.
 * Returns whether anything was created.
 */
export async function ensureDir(fs: RootedFs, path: string, mode: number, parentMode = 0o755): Promise<boolean> {
  const parts = path.split("/").filter((p) => p !== "");
  let created = false;
  for (let i = 1; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join("/")}`;
    const stat = await fs.stat(dir);
    if (stat?.type === "dir") continue;
    if (stat) throw new HostError(`mkdir ${path}: ${dir} exists and is not a directory`);
    const want = i === parts.length ? mode : parentMode;
    await fs.mkdir(dir, { mode: want });
    await fs.chmod(dir, want);
    created = true;
  }
  return created;
}

/** Removes apply's temp files left in `dir` by a run that was killed; returns their paths. */
export async function removeStaleTemps(fs: RootedFs, dir: string): Promise<string[]> {
  const stat = await fs.stat(dir);
  if (stat?.type !== "dir") return [];
  const removed: string[] = [];
  for (const name of await fs.list(dir)) {
    if (!isTempName(name)) continue;
    const path = `${dir === "/" ? "" : dir}/${name}`;
    const entry = await fs.lstat(path);
    if (entry && entry.type !== "dir") {
      await fs.remove(path);
      removed.push(path);
    }
  }
  return removed;
}

export const parentOf = (path: string) => splitPath(path).dir;
