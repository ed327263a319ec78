import { HostError } from "../errors.ts";
import { toFsError } from "./fs-error.ts";
import type { OpenFile } from "./types.ts";

/**
 * Files created by openFile get 0600, whatever the umask. qemu-ga gives new files 0666; but what a
 * host writes through guest-file-* is often a secret (keys, tokens, passwords) and the caller states
 * no mode. Too narrow fails visibly and is fixed with one chmod; too wide leaks silently. An existing
 * file keeps its mode.
 */
export const CREATED_FILE_MODE = 0o600;

/** What an fopen(3) mode string means. */
export interface OpenMode {
  read: boolean;
  write: boolean;
  /** Creates a missing file ("w", "a" and their "+" forms); these never follow a final symlink. */
  create: boolean;
  truncate: boolean;
  /** Every write lands at the end of the file. */
  append: boolean;
}

/**
 * Parses fopen's modes: "r", "r+", "w", "w+", "a", "a+", each with an optional "b" before or after
 * the "+" ("rb", "r+b", "rb+"); "b" means nothing on POSIX. Anything else is a HostError naming it.
 */
export function parseOpenMode(mode: string): OpenMode {
  const m = typeof mode === "string" ? /^([rwa])(?:b?(\+)?|(\+)b)$/.exec(mode) : null;
  if (!m) throw new HostError(`open: invalid file open mode ${JSON.stringify(mode)} (expected r, r+, w, w+, a or a+, with an optional b)`);
  const plus = m[2] === "+" || m[3] === "+";
  const kind = m[1];
  return { read: kind === "r" || plus, write: kind !== "r" || plus, create: kind !== "r", truncate: kind === "w", append: kind === "a" };
}

/** The path split into its parent and last name; "/", "/etc/.." and NUL bytes are refused. */
export function splitLast(path: string): { parent: string; name: string } {
  if (typeof path !== "string" || path.includes("\0")) throw new HostError(`open ${JSON.stringify(path)}: path contains a NUL byte`);
  const parts = path.split("/").filter((c) => c !== "" && c !== ".");
  const name = parts.pop();
  if (name === undefined || name === "..") throw new HostError(`open ${path}: is a directory`);
  return { parent: `/${parts.join("/")}`, name };
}

export function symlinkRefused(path: string, mode: string): HostError {
  return new HostError(`open ${path}: ${path} is a symlink: refused (mode ${mode} never follows a final symlink)`);
}

/** The byte-level operations behind an OpenFile: a real file handle, or a file of the fake fs. */
export interface FileIo {
  /**
   * Reads into `buffer` from `position` (null: from the stream, for a device or a FIFO). Returns the
   * count read, 0 at the end, or "again" when a non-blocking stream has nothing just now.
   */
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number | "again">;
  /** Writes at `position`; null: at the end (append modes) or into the stream. Returns the count. */
  write(bytes: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  size(): Promise<number>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * stdio's FILE semantics over a FileIo, the same for the real and the fake host: a position kept
 * here; `read` gives up to `count` bytes and eof once a read came up short (as feof after fread: a
 * read that ends exactly at the end is not yet eof); append modes write at the end and move the
 * position there; seek is refused on devices and FIFOs; anything after close is a HostError.
 */
export function positionedFile(path: string, how: OpenMode, seekable: boolean, io: FileIo): OpenFile {
  let position = 0;
  let closed = false;
  const guard = async <T>(op: string, body: () => Promise<T>): Promise<T> => {
    if (closed) throw new HostError(`${op} ${path}: the file is closed`);
    try {
      return await body();
    } catch (error) {
      if (error instanceof HostError) throw error;
      throw toFsError(error, op, path);
    }
  };
  const whole = (op: string, what: string, n: number, min: number) => {
    if (!Number.isSafeInteger(n) || n < min) throw new HostError(`${op} ${path}: ${what} must be a whole number >= ${min}`);
  };

  return {
    read: (count) =>
      guard("read", async () => {
        whole("read", "count", count, 0);
        if (!how.read) throw new HostError(`read ${path}: not open for reading`);
        const buffer = new Uint8Array(count);
        let total = 0;
        while (total < count) {
          const n = await io.read(buffer, total, count - total, seekable ? position + total : null);
          if (n === "again") return { bytes: buffer.slice(0, total), eof: false };
          if (n === 0) break;
          total += n;
          if (!seekable) return { bytes: buffer.slice(0, total), eof: false }; // one read of a stream
        }
        position += seekable ? total : 0;
        return { bytes: buffer.slice(0, total), eof: total < count };
      }),
    write: (bytes) =>
      guard("write", async () => {
        if (!(bytes instanceof Uint8Array)) throw new HostError(`write ${path}: bytes expected`);
        if (!how.write) throw new HostError(`write ${path}: not open for writing`);
        let total = 0;
        while (total < bytes.length) {
          total += await io.write(bytes, total, bytes.length - total, seekable && !how.append ? position + total : null);
        }
        if (seekable) position = how.append ? await io.size() : position + total;
        return total;
      }),
    seek: (offset, whence) =>
      guard("seek", async () => {
        if (!seekable) throw new HostError(`seek ${path}: not seekable (a device or a FIFO)`);
        if (whence !== 0 && whence !== 1 && whence !== 2) throw new HostError(`seek ${path}: whence must be 0, 1 or 2, not ${whence}`);
        whole("seek", "offset", offset, Number.MIN_SAFE_INTEGER);
        const next = (whence === 0 ? 0 : whence === 1 ? position : await io.size()) + offset;
        if (!Number.isSafeInteger(next) || next < 0) throw new HostError(`seek ${path}: position ${next} is before the start of the file`);
        position = next;
        return position;
      }),
    flush: () =>
      guard("flush", async () => {
        // Nothing is buffered here, so flushing means reaching the disk. Devices cannot fsync.
        if (how.write && seekable) await io.sync();
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await io.close();
      } catch (error) {
        throw toFsError(error, "close", path);
      }
    },
  };
}
