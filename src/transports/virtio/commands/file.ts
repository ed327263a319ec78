import * as v from "valibot";
import type { OpenFile } from "../../../host/types.ts";
import { QgaError, type QgaCommand, type QgaContext } from "../qga-types.ts";

/**
 * guest-file-open/read/write/seek/flush/close (qga/commands-posix.c, qga/commands.c): stdio-like
 * handles numbered from 1000, opened inside the root by host.openFile.
 */

/** A QAPI 'int': JSON numbers that are whole (nanosecond times exceed 2^53, so not safe integers). */
export const Int = v.pipe(v.number(), v.integer());

/** qemu-ga's QGA_READ_COUNT_DEFAULT and GUEST_FILE_READ_COUNT_MAX (48 MiB: with base64, under its 64 MiB JSON limit). */
export const READ_COUNT_DEFAULT = 4096;
export const READ_COUNT_MAX = 48 * 1024 * 1024;
/** qemu-ga has no bound; an agent that never forgets a handle is a leak a host can grow for ever. */
export const MAX_OPEN_FILES = 64;

/** fopen's modes, as qemu-ga's guest_file_open_modes table lists them. */
const MODES = new Set(["r", "rb", "w", "wb", "a", "ab", "r+", "rb+", "r+b", "w+", "wb+", "w+b", "a+", "ab+", "a+b"]);

const BASE64 = /^[A-Za-z0-9+/=\n]*$/;

/** qemu's qbase64_decode: only base64's characters (and newlines) are accepted; then decoded. */
export function decodeBase64Arg(text: string): Uint8Array {
  if (!BASE64.test(text)) throw new QgaError("GenericError", "Base64 data contains invalid characters");
  return new Uint8Array(Buffer.from(text.replace(/\n/g, ""), "base64"));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const reason = (error: unknown) => (error as Error)?.message ?? String(error);

function fileOf(ctx: QgaContext, handle: number): OpenFile {
  const entry = ctx.state.files.get(handle);
  if (!entry) throw new QgaError("GenericError", `handle '${handle}' has not been found`);
  return entry.file;
}

const OpenArgs = v.strictObject({ path: v.string(), mode: v.optional(v.string()) });

export const guestFileOpen: QgaCommand = {
  name: "guest-file-open",
  kind: "file",
  args: OpenArgs,
  async run(ctx, args: v.InferOutput<typeof OpenArgs>) {
    const mode = args.mode ?? "r";
    if (!MODES.has(mode)) throw new QgaError("GenericError", `invalid file open mode '${mode}'`);
    if (args.path === "" || args.path.includes("\0")) throw new QgaError("GenericError", `failed to open file '${args.path}' (mode: '${mode}'): not a path`);
    if (ctx.state.files.size >= MAX_OPEN_FILES) {
      throw new QgaError("GenericError", `failed to open file '${args.path}' (mode: '${mode}'): ${MAX_OPEN_FILES} handles are open already; close one with guest-file-close`);
    }
    // qemu-ga runs in "/": a relative path is relative to it. Inside a --root, "/" is the root's.
    const path = args.path.startsWith("/") ? args.path : `/${args.path}`;
    let file: OpenFile;
    try {
      file = await ctx.host.openFile(path, mode);
    } catch (error) {
      throw new QgaError("GenericError", `failed to open file '${args.path}' (mode: '${mode}'): ${reason(error)}`);
    }
    const handle = ctx.state.nextHandle++;
    ctx.state.files.set(handle, { file, path });
    ctx.log.info(`guest-file-open ${path} (mode ${mode}): handle ${handle}`);
    return handle;
  },
};

/** The file layer's error as qemu-ga words it: what failed, then why. */
async function failing<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new QgaError("GenericError", `${what}: ${reason(error)}`);
  }
}

const HandleArgs = v.strictObject({ handle: Int });

const ReadArgs = v.strictObject({ handle: Int, count: v.optional(Int) });

export const guestFileRead: QgaCommand = {
  name: "guest-file-read",
  kind: "file",
  args: ReadArgs,
  async run(ctx, args: v.InferOutput<typeof ReadArgs>) {
    const file = fileOf(ctx, args.handle);
    const count = args.count ?? READ_COUNT_DEFAULT;
    if (count < 0 || count > READ_COUNT_MAX) throw new QgaError("GenericError", `value '${count}' is invalid for argument count`);
    const { bytes, eof } = await failing("failed to read file", () => file.read(count));
    return { count: bytes.length, "buf-b64": encodeBase64(bytes), eof };
  },
};

const WriteArgs = v.strictObject({ handle: Int, "buf-b64": v.string(), count: v.optional(Int) });

export const guestFileWrite: QgaCommand = {
  name: "guest-file-write",
  kind: "file",
  args: WriteArgs,
  async run(ctx, args: v.InferOutput<typeof WriteArgs>) {
    const file = fileOf(ctx, args.handle);
    const bytes = decodeBase64Arg(args["buf-b64"]);
    const count = args.count ?? bytes.length;
    if (count < 0 || count > bytes.length) throw new QgaError("GenericError", `value '${count}' is invalid for argument count`);
    // fwrite's eof is feof(3), which a write never sets; qemu-ga clears it after every call.
    return { count: await failing("failed to write to file", () => file.write(bytes.subarray(0, count))), eof: false };
  },
};

/** GuestFileWhence: an int (0 set, 1 cur, 2 end, "for historical reasons") or the QGASeek name. */
const Whence = v.union([Int, v.picklist(["set", "cur", "end"])]);
const SeekArgs = v.strictObject({ handle: Int, offset: Int, whence: Whence });
const WHENCE = { set: 0, cur: 1, end: 2 } as const;

export const guestFileSeek: QgaCommand = {
  name: "guest-file-seek",
  kind: "file",
  args: SeekArgs,
  async run(ctx, args: v.InferOutput<typeof SeekArgs>) {
    const file = fileOf(ctx, args.handle);
    const whence = typeof args.whence === "string" ? WHENCE[args.whence] : args.whence;
    if (whence !== 0 && whence !== 1 && whence !== 2) throw new QgaError("GenericError", `invalid whence code ${whence}`);
    // fseek clears the end-of-file indicator: eof is false after any successful seek.
    return { position: await failing("failed to seek file", () => file.seek(args.offset, whence)), eof: false };
  },
};

export const guestFileFlush: QgaCommand = {
  name: "guest-file-flush",
  kind: "file",
  args: HandleArgs,
  async run(ctx, args: v.InferOutput<typeof HandleArgs>) {
    const file = fileOf(ctx, args.handle);
    await failing("failed to flush file", () => file.flush());
    return {};
  },
};

export const guestFileClose: QgaCommand = {
  name: "guest-file-close",
  kind: "file",
  args: HandleArgs,
  async run(ctx, args: v.InferOutput<typeof HandleArgs>) {
    const file = fileOf(ctx, args.handle);
    // The handle is gone whatever close says: a descriptor whose close failed cannot be used again.
    ctx.state.files.delete(args.handle);
    await failing("failed to close handle", () => file.close());
    ctx.log.info(`guest-file-close: handle ${args.handle}`);
    return {};
  },
};

export const FILE_COMMANDS: readonly QgaCommand[] = [guestFileOpen, guestFileClose, guestFileRead, guestFileWrite, guestFileSeek, guestFileFlush];
