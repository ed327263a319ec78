import { lstatSync, readdirSync, readlinkSync, statSync, type Stats } from "node:fs";
import * as fsp from "node:fs/promises";
import { toFsError } from "./fs-error.ts";
import { components, joinRoot, resolveInRoot } from "./resolve-in-root.ts";
import type { FileStat, FileType, RootedFs, WriteOptions } from "./types.ts";

function fileType(s: Stats): FileType {
  if (s.isFile()) return "file";
  if (s.isDirectory()) return "dir";
  if (s.isSymbolicLink()) return "symlink";
  if (s.isBlockDevice()) return "block";
  if (s.isCharacterDevice()) return "char";
  if (s.isFIFO()) return "fifo";
  return "socket";
}

function toStat(s: Stats): FileStat {
  return { type: fileType(s), size: s.size, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtimeMs: s.mtimeMs };
}

/**
 * Metadata calls (readlink, stat, readdir) are made synchronously: they take microseconds, while a
 * trip through the thread pool costs far more, and the probe makes hundreds of them at every boot.
 * Reads of file contents stay asynchronous, since a device (a CD-ROM spinning up) may be slow.
 */
async function readLinkOrNull(hostPath: string): Promise<string | null> {
  try {
    return readlinkSync(hostPath);
  } catch {
    return null; // not a link, or absent: resolution goes on and the final syscall reports it
  }
}

function statOrNull(stat: () => Stats): FileStat | null {
  try {
    return toStat(stat());
  } catch (error) {
    return absentAsNull(error);
  }
}

/** The machine's file system, seen from `root` ("/" for the running system). */
export function createRealFs(root: string): RootedFs {
  const isSystemRoot = root === "/";

  async function hostPath(path: string, followLast: boolean): Promise<string> {
    // With root "/", the kernel's own resolution is already the right one.
    if (isSystemRoot) return joinRoot("/", components(path).reduce<string[]>(dotdot, []));
    return joinRoot(root, await resolveInRoot(root, path, followLast, readLinkOrNull));
  }

  async function guarded<T>(op: string, path: string, followLast: boolean, body: (p: string) => Promise<T>): Promise<T> {
    try {
      return await body(await hostPath(path, followLast));
    } catch (error) {
      throw toFsError(error, op, path);
    }
  }

  return {
    root,
    realPath: (path) => guarded("resolve", path, true, async (p) => p),
    stat: (path) => guarded("stat", path, true, async (p) => statOrNull(() => statSync(p))),
    lstat: (path) => guarded("lstat", path, false, async (p) => statOrNull(() => lstatSync(p))),
    exists: (path) => guarded("stat", path, true, async (p) => statSync(p, { throwIfNoEntry: false }) !== undefined),
    readFile: (path) => guarded("read", path, true, async (p) => new Uint8Array(await fsp.readFile(p))),
    readText: (path) => guarded("read", path, true, (p) => fsp.readFile(p, "utf8")),
    readRange: (path, offset, length) =>
      guarded("read", path, true, async (p) => {
        const handle = await fsp.open(p, "r");
        try {
          const buffer = new Uint8Array(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      }),
    list: (path) => guarded("list", path, true, async (p) => readdirSync(p).sort()),
    readlink: (path) => guarded("readlink", path, false, (p) => fsp.readlink(p)),
    writeFile: (path, data, options) => guarded("write", path, false, (p) => writeNoFollow(p, data, options)),
    mkdir: (path, options) =>
      guarded("mkdir", path, true, async (p) => {
        await fsp.mkdir(p, { mode: options.mode, recursive: options.recursive ?? false });
      }),
    rename: (from, to) =>
      guarded("rename", from, false, async (src) => {
        const dst = await hostPath(to, false);
        await fsp.rename(src, dst);
      }),
    remove: (path, options) =>
      guarded("remove", path, false, (p) => fsp.rm(p, { recursive: options?.recursive ?? false, force: false })),
    chmod: (path, mode) => guarded("chmod", path, true, (p) => fsp.chmod(p, mode)),
    chown: (path, uid, gid) => guarded("chown", path, false, (p) => fsp.lchown(p, uid, gid)),
  };
}

function dotdot(acc: string[], part: string): string[] {
  if (part === "..") acc.pop();
  else acc.push(part);
  return acc;
}

function absentAsNull(error: unknown): null {
  if ((error as { code?: string }).code === "ENOENT" || (error as { code?: string }).code === "ENOTDIR") return null;
  throw error;
}

async function writeNoFollow(path: string, data: string | Uint8Array, options: WriteOptions): Promise<void> {
  const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = fsp.constants;
  const flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
  // Created 0600 and widened afterwards, so the content is never readable by others in between.
  const handle = await fsp.open(path, flags, 0o600);
  try {
    await handle.writeFile(data);
    if (options.uid !== undefined || options.gid !== undefined) {
      await handle.chown(options.uid ?? -1, options.gid ?? -1);
    }
    await handle.chmod(options.mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
