import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBase64Arg, FILE_COMMANDS, MAX_OPEN_FILES, READ_COUNT_MAX } from "../../../../src/transports/virtio/commands/file.ts";
import { QgaError } from "../../../../src/transports/virtio/qga-types.ts";
import { b64, call, cleanTemps, contextFor, realHost, targetRoot, unb64 } from "./qga-test-context.ts";

afterAll(cleanTemps);

async function setup() {
  const root = targetRoot();
  const host = await realHost(root);
  const ctx = contextFor(host, async () => {
    throw new Error("guest-file-* must not go through execute");
  });
  const qga = (execute: string, args?: unknown) => call(ctx, FILE_COMMANDS, execute, args);
  const ret = async (execute: string, args?: unknown) => {
    const outcome = await qga(execute, args);
    if (!("return" in outcome)) throw new Error(`${execute}: ${JSON.stringify(outcome)}`);
    return outcome.return as any;
  };
  return { root, ctx, qga, ret };
}

const descOf = (outcome: unknown) => (outcome as { error?: { desc: string } }).error?.desc ?? "";

describe("guest-file-* on a --root tree", () => {
  test("open w+, write, seek, read, close: the bytes land in the root's file; handles count from 1000", async () => {
    const { root, ctx, ret } = await setup();
    const handle = await ret("guest-file-open", { path: "/tmp/note.txt", mode: "w+" });
    expect(handle).toBe(1000);
    expect(await ret("guest-file-write", { handle, "buf-b64": b64("hello, world") })).toEqual({ count: 12, eof: false });
    expect(await ret("guest-file-seek", { handle, offset: 7, whence: "set" })).toEqual({ position: 7, eof: false });
    expect(await ret("guest-file-read", { handle, count: 100 })).toMatchObject({ count: 5, eof: true });
    expect(await ret("guest-file-seek", { handle, offset: 0, whence: 0 })).toEqual({ position: 0, eof: false });
    const read = await ret("guest-file-read", { handle });
    expect(unb64(read["buf-b64"])).toBe("hello, world");
    expect(await ret("guest-file-flush", { handle })).toEqual({});
    expect(await ret("guest-file-close", { handle })).toEqual({});
    expect(readFileSync(join(root, "tmp/note.txt"), "utf8")).toBe("hello, world");
    // A new file is 0600 (host.openFile's choice, not qemu-ga's 0666).
    expect(statSync(join(root, "tmp/note.txt")).mode & 0o777).toBe(0o600);
    expect(ctx.state.files.size).toBe(0);
    expect(await ret("guest-file-open", { path: "/tmp/note.txt" })).toBe(1001);
  });

  test("default mode r; read default count 4096; eof once a read comes up short; seek whence cur/end", async () => {
    const { root, ret, qga } = await setup();
    writeFileSync(join(root, "tmp/big.bin"), Buffer.alloc(5000, 7));
    const handle = await ret("guest-file-open", { path: "/tmp/big.bin" });
    expect(await ret("guest-file-read", { handle })).toMatchObject({ count: 4096, eof: false });
    expect(await ret("guest-file-seek", { handle, offset: 0, whence: "cur" })).toEqual({ position: 4096, eof: false });
    expect(await ret("guest-file-read", { handle })).toMatchObject({ count: 904, eof: true });
    expect(await ret("guest-file-seek", { handle, offset: -10, whence: 2 })).toEqual({ position: 4990, eof: false });
    expect(descOf(await qga("guest-file-write", { handle, "buf-b64": b64("x") }))).toStartWith("failed to write to file:");
    expect(descOf(await qga("guest-file-seek", { handle, offset: 0, whence: 3 }))).toBe("invalid whence code 3");
    expect(await ret("guest-file-read", { handle, count: 0 })).toEqual({ count: 0, "buf-b64": "", eof: false });
  });

  test("append mode writes at the end; count writes a prefix of the buffer; a count past it is refused", async () => {
    const { root, ret, qga } = await setup();
    writeFileSync(join(root, "tmp/log"), "one\n");
    const handle = await ret("guest-file-open", { path: "/tmp/log", mode: "a" });
    expect(await ret("guest-file-write", { handle, "buf-b64": b64("two\nIGNORED"), count: 4 })).toEqual({ count: 4, eof: false });
    expect(descOf(await qga("guest-file-write", { handle, "buf-b64": b64("abc"), count: 4 }))).toBe("value '4' is invalid for argument count");
    expect(descOf(await qga("guest-file-write", { handle, "buf-b64": "@@@" }))).toBe("Base64 data contains invalid characters");
    await ret("guest-file-close", { handle });
    expect(readFileSync(join(root, "tmp/log"), "utf8")).toBe("one\ntwo\n");
  });

  test("'..' cannot climb out of the root, and a symlink to an absolute path resolves inside it", async () => {
    const { root, ret } = await setup();
    writeFileSync(join(root, "etc/hostname"), "inside-the-root\n");
    const up = await ret("guest-file-open", { path: "/../../../../etc/hostname" });
    expect(unb64((await ret("guest-file-read", { handle: up }))["buf-b64"])).toBe("inside-the-root\n");
    symlinkSync("/etc/hostname", join(root, "tmp/link"));
    const linked = await ret("guest-file-open", { path: "/tmp/link", mode: "r" });
    expect(unb64((await ret("guest-file-read", { handle: linked }))["buf-b64"])).toBe("inside-the-root\n");
    symlinkSync("../../../../../etc/hostname", join(root, "tmp/relative-link"));
    const relative = await ret("guest-file-open", { path: "tmp/relative-link" });
    expect(unb64((await ret("guest-file-read", { handle: relative }))["buf-b64"])).toBe("inside-the-root\n");
  });

  test("a writing mode never follows a final symlink: refused, the target untouched", async () => {
    const { root, qga } = await setup();
    const shadow = readFileSync(join(root, "etc/shadow"), "utf8");
    symlinkSync("/etc/shadow", join(root, "tmp/evil"));
    for (const mode of ["w", "a", "w+"]) {
      const outcome = await qga("guest-file-open", { path: "/tmp/evil", mode });
      expect(descOf(outcome)).toStartWith(`failed to open file '/tmp/evil' (mode: '${mode}'): `);
      expect(descOf(outcome)).toContain("symlink");
    }
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toBe(shadow);
  });

  test("errors in qemu-ga's words: unknown handle, bad mode, missing file, bad count", async () => {
    const { qga, ret } = await setup();
    expect(await qga("guest-file-read", { handle: 1234 })).toEqual({ error: { class: "GenericError", desc: "handle '1234' has not been found" } });
    expect(await qga("guest-file-close", { handle: 999 })).toEqual({ error: { class: "GenericError", desc: "handle '999' has not been found" } });
    expect(descOf(await qga("guest-file-open", { path: "/tmp/x", mode: "rw" }))).toBe("invalid file open mode 'rw'");
    expect(descOf(await qga("guest-file-open", { path: "/no/such/file" }))).toStartWith("failed to open file '/no/such/file' (mode: 'r'): ");
    const handle = await ret("guest-file-open", { path: "/etc/hostname" });
    expect(descOf(await qga("guest-file-read", { handle, count: -1 }))).toBe("value '-1' is invalid for argument count");
    expect(descOf(await qga("guest-file-read", { handle, count: READ_COUNT_MAX + 1 }))).toBe(`value '${READ_COUNT_MAX + 1}' is invalid for argument count`);
    expect(descOf(await qga("guest-file-read", { handle: "1000" }))).toBe("Invalid parameter type for 'handle', expected: integer");
    await ret("guest-file-close", { handle });
    expect(descOf(await qga("guest-file-read", { handle }))).toBe(`handle '${handle}' has not been found`);
  });

  test(`at most ${MAX_OPEN_FILES} handles are open at once; closing one frees a place`, async () => {
    const { root, qga, ret } = await setup();
    mkdirSync(join(root, "tmp/many"));
    const handles: number[] = [];
    for (let i = 0; i < MAX_OPEN_FILES; i++) handles.push(await ret("guest-file-open", { path: `/tmp/many/${i}`, mode: "w" }));
    expect(descOf(await qga("guest-file-open", { path: "/tmp/many/extra", mode: "w" }))).toContain(`${MAX_OPEN_FILES} handles are open already`);
    await ret("guest-file-close", { handle: handles[0] });
    expect(await ret("guest-file-open", { path: "/tmp/many/extra", mode: "w" })).toBe(1000 + MAX_OPEN_FILES);
    for (const handle of handles.slice(1)) await ret("guest-file-close", { handle });
  });

  test("while the file systems are frozen, opening and writing are disabled (qemu-ga's freeze allow-list)", async () => {
    const { ctx, qga } = await setup();
    ctx.state.frozen = true;
    expect(await qga("guest-file-open", { path: "/tmp/x", mode: "w" })).toMatchObject({ error: { class: "CommandNotFound" } });
  });

  test("decodeBase64Arg: qemu's alphabet (newlines allowed), anything else refused", () => {
    expect(Buffer.from(decodeBase64Arg("aGVs\nbG8=")).toString()).toBe("hello");
    expect(() => decodeBase64Arg("aGVs bG8=")).toThrow(QgaError);
  });
});
