import * as nodeFs from "node:fs";
import { promisify } from "node:util";
import { HostError } from "../errors.ts";
import { toFsError } from "./fs-error.ts";
import { CREATED_FILE_MODE, parseOpenMode, positionedFile, splitLast, symlinkRefused, type FileIo } from "./open-file.ts";
import type { OpenFile, RootedFs } from "./types.ts";

// Plain descriptors, not fs/promises FileHandles: Bun treats a FileHandle collected unclosed as an
// uncaught error, so one forgotten guest-file-close would take the whole daemon down at some GC.
const open = promisify(nodeFs.open);
const read = promisify(nodeFs.read);
const write = promisify(nodeFs.write);
const fstat = promisify(nodeFs.fstat);
const fchmod = promisify(nodeFs.fchmod);
const fdatasync = promisify(nodeFs.fdatasync);
const close = promisify(nodeFs.close);

/** An OpenFile dropped without close() gets its descriptor closed when collected, not leaked. */
const leaked = new FinalizationRegistry<number>((fd) => {
  try {
    nodeFs.closeSync(fd);
  } catch {
    // already gone: nothing to do
  }
});

const codeOf = (error: unknown) => (error as { code?: string }).code;

/**
 * Opens a file inside the root for QGA's guest-file-* (see open-file.ts for the shared semantics).
 *
 * - "r"/"r+" follow symlinks as a chroot would (fs.realPath): nothing outside the root is reached.
 * - "w"/"w+"/"a"/"a+" resolve the parent directory the same way but open the last name with
 *   O_NOFOLLOW: a symlink planted where a file is to be written is refused, not written through.
 * - A missing file is created exclusively (O_EXCL), then set to CREATED_FILE_MODE (0600) with
 *   fchmod, so the umask does not matter; an existing file keeps its mode.
 * - Directories are refused; files, block and character devices and FIFOs are allowed. As in
 *   qemu-ga the file is opened O_NONBLOCK | O_NOCTTY, so a FIFO or a tty cannot hang the agent.
 */
export async function openRealFile(fs: RootedFs, path: string, mode: string): Promise<OpenFile> {
  const how = parseOpenMode(mode);
  const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND, O_NONBLOCK, O_NOCTTY } = nodeFs.constants;
  const access = how.read && how.write ? O_RDWR : how.write ? O_WRONLY : O_RDONLY;
  const flags = access | O_NONBLOCK | O_NOCTTY | (how.append ? O_APPEND : 0);

  let fd: number;
  try {
    fd = how.create ? await openForWriting(fs, path, mode, flags, how.truncate) : await open(await fs.realPath(path), flags);
  } catch (error) {
    if (error instanceof HostError) throw error; // an FsError from the resolution, or a refusal
    throw toFsError(error, "open", path);
  }

  let seekable: boolean;
  try {
    const s = await fstat(fd);
    if (s.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" });
    seekable = s.isFile() || s.isBlockDevice();
  } catch (error) {
    await close(fd).catch(() => undefined);
    throw toFsError(error, "open", path);
  }

  const io: FileIo = {
    async read(buffer, offset, length, position) {
      try {
        return (await read(fd, buffer, offset, length, position)).bytesRead;
      } catch (error) {
        if (codeOf(error) === "EAGAIN") return "again"; // a FIFO or a device with nothing just now
        throw error;
      }
    },
    // With O_APPEND the kernel writes at the end whatever position says.
    write: async (bytes, offset, length, position) => (await write(fd, bytes, offset, length, position)).bytesWritten,
    size: async () => (await fstat(fd)).size,
    sync: () => fdatasync(fd),
    close: async () => {
      leaked.unregister(file);
      await close(fd);
    },
  };
  const file = positionedFile(path, how, seekable, io);
  leaked.register(file, fd, file);
  return file;
}

/** w, w+, a, a+: the parent resolved inside the root, the last name never followed. */
async function openForWriting(fs: RootedFs, path: string, mode: string, flags: number, truncate: boolean): Promise<number> {
  const { O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW } = nodeFs.constants;
  const { parent, name } = splitLast(path);
  const dir = await fs.realPath(parent);
  const hostPath = `${dir === "/" ? "" : dir}/${name}`;
  let fd: number;
  try {
    // O_EXCL fails on any symlink, dangling or not; the open below then refuses it.
    fd = await open(hostPath, flags | O_CREAT | O_EXCL | O_NOFOLLOW, CREATED_FILE_MODE);
  } catch (error) {
    if (codeOf(error) !== "EEXIST") throw error;
    try {
      return await open(hostPath, flags | O_NOFOLLOW | (truncate ? O_TRUNC : 0));
    } catch (again) {
      throw codeOf(again) === "ELOOP" ? symlinkRefused(path, mode) : again;
    }
  }
  try {
    await fchmod(fd, CREATED_FILE_MODE);
  } catch (error) {
    await close(fd).catch(() => undefined);
    throw error;
  }
  return fd;
}
