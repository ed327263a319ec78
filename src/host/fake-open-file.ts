import { HostError } from "../errors.ts";
import { FsError } from "./fs-error.ts";
import { CREATED_FILE_MODE, parseOpenMode, positionedFile, splitLast, symlinkRefused, type FileIo } from "./open-file.ts";
import type { OpenFile, RootedFs } from "./types.ts";

/**
 * openFile over the fake fs, with the real one's semantics (open-file.ts): each operation reads the
 * file's bytes and writes them back at once, so other readers of the fake fs see every write, as
 * they would on a real file. Devices are read as streams from their content; writing to a fake device
 * is not modelled (a HostError says so).
 */
export async function openFakeFile(fs: RootedFs, path: string, mode: string): Promise<OpenFile> {
  const how = parseOpenMode(mode);
  let target: string;
  if (!how.create) {
    target = await fs.realPath(path);
    if (!(await fs.stat(target))) throw new FsError("ENOENT", "open", path);
  } else {
    const { parent, name } = splitLast(path);
    const dir = await fs.realPath(parent);
    target = `${dir === "/" ? "" : dir}/${name}`;
    const existing = await fs.lstat(target);
    if (existing?.type === "symlink") throw symlinkRefused(path, mode);
    if (!existing) {
      const parentStat = await fs.stat(dir);
      if (!parentStat) throw new FsError("ENOENT", "open", path);
      if (parentStat.type !== "dir") throw new FsError("ENOTDIR", "open", path);
      await fs.writeFile(target, new Uint8Array(0), { mode: CREATED_FILE_MODE });
    } else if (existing.type === "dir") {
      throw new FsError("EISDIR", "open", path);
    } else if (how.truncate && existing.type === "file") {
      await fs.writeFile(target, new Uint8Array(0), { mode: existing.mode });
    }
  }
  const stat = await fs.stat(target);
  if (stat?.type === "dir") throw new FsError("EISDIR", "open", path);
  const seekable = stat?.type === "file" || stat?.type === "block";
  let streamPosition = 0;

  const io: FileIo = {
    async read(buffer, offset, length, position) {
      const data = await fs.readFile(target);
      const from = position ?? streamPosition;
      const chunk = data.subarray(from, from + length);
      buffer.set(chunk, offset);
      if (position === null) streamPosition += chunk.length;
      return chunk.length;
    },
    async write(bytes, offset, length, position) {
      const current = await fs.stat(target);
      if (current && current.type !== "file") throw new HostError(`write ${path}: writing to a fake ${current.type} device is not modelled`);
      const data = current ? await fs.readFile(target) : new Uint8Array(0);
      const at = position ?? data.length;
      const next = new Uint8Array(Math.max(data.length, at + length));
      next.set(data);
      next.set(bytes.subarray(offset, offset + length), at);
      await fs.writeFile(target, next, { mode: current?.mode ?? CREATED_FILE_MODE });
      return length;
    },
    size: async () => (await fs.stat(target))?.size ?? 0,
    sync: async () => {},
    close: async () => {},
  };
  return positionedFile(path, how, seekable, io);
}
