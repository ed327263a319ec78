import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HostError } from "../../src/errors.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { FsError } from "../../src/host/fs-error.ts";
import { createLogger } from "../../src/host/logger.ts";
import { parseOpenMode } from "../../src/host/open-file.ts";
import { createRealHost } from "../../src/host/real.ts";
import type { Host } from "../../src/host/types.ts";

/** Text files (with an optional mode) and symlinks, by path inside the root. */
type Tree = Record<string, string | { content: string; mode: number } | { symlink: string } | { dir: true }>;
type Subject = { host: Host; root: string };

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);
const logger = () => createLogger({ level: "silent", json: true });

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

function makeRoot(tree: Tree): string {
  const root = tempDir("tether-open-");
  for (const [path, entry] of Object.entries(tree)) {
    const at = join(root, path);
    mkdirSync(dirname(at), { recursive: true });
    if (typeof entry === "string") writeFileSync(at, entry);
    else if ("symlink" in entry) symlinkSync(entry.symlink, at);
    else if ("dir" in entry) mkdirSync(at, { recursive: true });
    else writeFileSync(at, entry.content, { mode: entry.mode });
  }
  return root;
}

async function realSubject(tree: Tree): Promise<Subject> {
  const root = makeRoot(tree);
  return { host: await createRealHost({ root, log: logger() }), root };
}

async function fakeSubject(tree: Tree): Promise<Subject> {
  const fakeTree = Object.fromEntries(Object.entries(tree).map(([p, e]) => [p, typeof e === "string" || !("mode" in e) ? e : { content: e.content, mode: e.mode }]));
  return { host: createFakeHost({ tree: fakeTree }), root: "/" };
}

/** Opens, reads up to 100 bytes, closes. */
async function readWhole(host: Host, path: string): Promise<Uint8Array> {
  const f = await host.openFile(path, "r");
  try {
    return (await f.read(100)).bytes;
  } finally {
    await f.close();
  }
}

/** What every Host.openFile must do: run against the real host in a temp --root and the fake one. */
function openFileContract(name: string, make: (tree: Tree) => Promise<Subject>): void {
  describe(`${name}: openFile contract`, () => {
    test("reads in pieces; eof once a read comes up short, not when it ends exactly at the end", async () => {
      const { host } = await make({ "/data": "0123456789" });
      const f = await host.openFile("/data", "r");
      const reads = [];
      for (let i = 0; i < 4; i++) {
        const r = await f.read(4);
        reads.push([text(r.bytes), r.eof]);
      }
      expect(reads).toEqual([["0123", false], ["4567", false], ["89", true], ["", true]]);
      await f.seek(0, 0);
      expect(await f.read(10)).toEqual({ bytes: bytes("0123456789"), eof: false });
      expect(await f.read(1)).toEqual({ bytes: new Uint8Array(0), eof: true });
      expect(await f.read(0)).toEqual({ bytes: new Uint8Array(0), eof: false });
      await f.close();
    });

    test("seek: from the start, the current position and the end; never before 0", async () => {
      const { host } = await make({ "/data": "0123456789" });
      const f = await host.openFile("/data", "rb");
      expect(await f.seek(2, 0)).toBe(2);
      expect(text((await f.read(3)).bytes)).toBe("234");
      expect(await f.seek(-1, 1)).toBe(4);
      expect(await f.seek(-3, 2)).toBe(7);
      expect(text((await f.read(100)).bytes)).toBe("789");
      await expect(f.seek(-11, 2)).rejects.toThrow("before the start");
      await expect(f.seek(1, 3 as 0)).rejects.toThrow("whence");
      expect(await f.seek(20, 0)).toBe(20);
      expect(await f.read(5)).toEqual({ bytes: new Uint8Array(0), eof: true });
      await f.close();
    });

    test("r+ writes in place, keeps the rest and the mode; writes are seen at once", async () => {
      const { host } = await make({ "/etc/conf": { content: "aaaaaaaa", mode: 0o640 } });
      const f = await host.openFile("/etc/conf", "r+");
      await f.seek(2, 0);
      expect(await f.write(bytes("XY"))).toBe(2);
      expect(await host.fs.readText("/etc/conf")).toBe("aaXYaaaa");
      expect(text((await f.read(2)).bytes)).toBe("aa");
      await f.flush();
      await f.close();
      expect((await host.fs.stat("/etc/conf"))?.mode).toBe(0o640);
    });

    test("w truncates an existing file and keeps its mode; creates a missing one 0600", async () => {
      const { host } = await make({ "/etc/old": { content: "old content", mode: 0o644 } });
      const old = await host.openFile("/etc/old", "w");
      expect(await host.fs.readText("/etc/old")).toBe("");
      await old.write(bytes("new"));
      await old.close();
      expect(await host.fs.readText("/etc/old")).toBe("new");
      expect((await host.fs.stat("/etc/old"))?.mode).toBe(0o644);
      const fresh = await host.openFile("/etc/fresh", "wb");
      await fresh.write(bytes("secret"));
      await fresh.close();
      expect(await host.fs.readText("/etc/fresh")).toBe("secret");
      expect((await host.fs.stat("/etc/fresh"))?.mode).toBe(0o600);
    });

    test("w+ reads back what it wrote; a write past the end leaves zeros", async () => {
      const { host } = await make({ "/d/.keep": "" });
      const f = await host.openFile("/d/f", "w+b");
      await f.write(bytes("abc"));
      expect(await f.seek(5, 0)).toBe(5);
      await f.write(bytes("z"));
      await f.seek(0, 0);
      expect(await f.read(10)).toEqual({ bytes: bytes("abc\0\0z"), eof: true });
      await f.close();
    });

    test("a writes at the end whatever the position; a+ reads from the start", async () => {
      const { host } = await make({ "/log": "one\n" });
      const a = await host.openFile("/log", "a");
      await a.seek(0, 0);
      expect(await a.write(bytes("two\n"))).toBe(4);
      expect(await a.seek(0, 1)).toBe(8);
      await a.close();
      expect(await host.fs.readText("/log")).toBe("one\ntwo\n");
      const ap = await host.openFile("/log", "ab+");
      expect(text((await ap.read(3)).bytes)).toBe("one");
      await ap.write(bytes("three\n"));
      expect(await ap.seek(0, 1)).toBe(14);
      await ap.close();
      expect(await host.fs.readText("/log")).toBe("one\ntwo\nthree\n");
      const created = await host.openFile("/new.log", "a");
      await created.write(bytes("x"));
      await created.close();
      expect(await host.fs.readText("/new.log")).toBe("x");
    });

    test("reading a write-only file and writing a read-only one are errors", async () => {
      const { host } = await make({ "/f": "x" });
      const r = await host.openFile("/f", "r");
      await expect(r.write(bytes("y"))).rejects.toThrow("not open for writing");
      const w = await host.openFile("/f", "a");
      await expect(w.read(1)).rejects.toThrow("not open for reading");
      await expect(r.read(-1)).rejects.toThrow(HostError);
      await r.close();
      await w.close();
      expect(await host.fs.readText("/f")).toBe("x");
    });

    test("every mode but fopen's is refused, naming the mode, before the file is touched", async () => {
      const { host } = await make({ "/f": "keep" });
      for (const mode of ["x", "rw", "r++", "rbb", "", "wx", "rb+b", "+r", "R", "w+x", "b"]) {
        const error = await host.openFile("/f", mode).catch((e) => e);
        expect(error).toBeInstanceOf(HostError);
        expect(error.message).toContain(JSON.stringify(mode));
      }
      expect(await host.fs.readText("/f")).toBe("keep");
      for (const mode of ["r", "rb", "r+", "r+b", "rb+", "w", "wb", "w+", "w+b", "wb+", "a", "ab", "a+", "a+b", "ab+"]) {
        await (await host.openFile("/f", mode)).close();
      }
    });

    test("missing files and missing parents are FsErrors naming the path inside the root", async () => {
      const { host } = await make({});
      const missing = await host.openFile("/etc/nothing", "r").catch((e) => e);
      expect(missing).toBeInstanceOf(FsError);
      expect(missing.message).toBe("open /etc/nothing: no such file or directory");
      const noParent = await host.openFile("/no/dir/file", "w").catch((e) => e);
      expect(noParent).toBeInstanceOf(FsError);
      expect(noParent.code).toBe("ENOENT");
    });

    test("directories are refused in every mode", async () => {
      const { host } = await make({ "/etc/d": { dir: true } });
      for (const [path, mode] of [["/etc/d", "r"], ["/etc/d", "r+"], ["/etc/d", "w"], ["/etc/d", "a+"], ["/", "w"], ["/etc/..", "a"]] as const) {
        const error = await host.openFile(path, mode).catch((e) => e);
        expect(error).toBeInstanceOf(HostError);
        expect(error.message).toContain("is a directory");
      }
    });

    test("the writing modes refuse a final symlink, dangling or not, and leave its target alone", async () => {
      const { host } = await make({ "/etc/motd": { symlink: "/target" }, "/target": "original", "/etc/dangling": { symlink: "/nowhere" } });
      for (const mode of ["w", "w+", "a", "a+", "wb"]) {
        const error = await host.openFile("/etc/motd", mode).catch((e) => e);
        expect(error).toBeInstanceOf(HostError);
        expect(error.message).toContain("/etc/motd is a symlink: refused");
      }
      await expect(host.openFile("/etc/dangling", "w")).rejects.toThrow("is a symlink: refused");
      expect(await host.fs.readText("/target")).toBe("original");
      expect(await host.fs.exists("/nowhere")).toBe(false);
    });

    test("r and r+ follow symlinks, inside the root: a link to / means the root's /", async () => {
      const { host } = await make({ "/etc": { symlink: "/" }, "/passwd": "root:x:0:0\n", "/link": { symlink: "../../passwd" } });
      expect(text(await readWhole(host, "/etc/passwd"))).toBe("root:x:0:0\n");
      const f = await host.openFile("/link", "r+");
      await f.write(bytes("ROOT"));
      await f.close();
      expect(await host.fs.readText("/passwd")).toBe("ROOT:x:0:0\n");
    });

    test("dot-dot stops at the root, for reading and writing; a parent link resolves inside it", async () => {
      const { host } = await make({ "/hostname": "inside\n", "/tmp/.keep": "", "/etc/dir": { symlink: "/tmp" } });
      expect(text(await readWhole(host, "/../../../../hostname"))).toBe("inside\n");
      const w = await host.openFile("/../../tmp/../../tmp/made", "w");
      await w.write(bytes("x"));
      await w.close();
      expect(await host.fs.readText("/tmp/made")).toBe("x");
      const viaLink = await host.openFile("/etc/dir/other", "a");
      await viaLink.close();
      expect(await host.fs.exists("/tmp/other")).toBe(true);
    });

    test("after close every operation is a HostError; a second close is harmless", async () => {
      const { host } = await make({ "/f": "x" });
      const f = await host.openFile("/f", "r+");
      await f.close();
      await f.close();
      await expect(f.read(1)).rejects.toThrow("the file is closed");
      await expect(f.write(bytes("y"))).rejects.toThrow("the file is closed");
      await expect(f.seek(0, 0)).rejects.toThrow("the file is closed");
      await expect(f.flush()).rejects.toThrow("the file is closed");
    });
  });
}

openFileContract("real host", realSubject);
openFileContract("fake host", fakeSubject);

describe("real openFile: the machine's side", () => {
  test("a link out of the root reads inside it, and a write through a parent link stays inside", async () => {
    const outside = tempDir("tether-outside-");
    writeFileSync(join(outside, "secret"), "host secret");
    const { host, root } = await realSubject({ "/etc/link": { symlink: join(outside, "secret") }, "/d": { symlink: outside } });
    await expect(host.openFile("/etc/link", "r")).rejects.toThrow("no such file or directory");
    await expect(host.openFile("/d/new", "w")).rejects.toThrow("no such file or directory");
    expect(existsSync(join(outside, "new"))).toBe(false);
    mkdirSync(join(root, outside), { recursive: true });
    writeFileSync(join(root, outside, "secret"), "image copy");
    expect(text(await readWhole(host, "/etc/link"))).toBe("image copy");
    await (await host.openFile("/d/new", "w")).close();
    expect(existsSync(join(root, outside, "new"))).toBe(true);
    expect(existsSync(join(outside, "new"))).toBe(false);
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("host secret");
  });

  test("a created file is 0600 whatever the umask", async () => {
    const { host, root } = await realSubject({});
    for (const [name, umask] of [["wide", 0], ["narrow", 0o277]] as const) {
      const previous = process.umask(umask);
      try {
        await (await host.openFile(`/${name}`, "w")).close();
      } finally {
        process.umask(previous);
      }
      expect(statSync(join(root, name)).mode & 0o777).toBe(0o600);
      expect(lstatSync(join(root, name)).isFile()).toBe(true);
    }
  });

  test("character devices are streams: /dev/zero reads, /dev/null is at its end, neither seeks", async () => {
    const host = await createRealHost({ root: "/", log: logger() });
    const zero = await host.openFile("/dev/zero", "rb");
    expect(await zero.read(8)).toEqual({ bytes: new Uint8Array(8), eof: false });
    await expect(zero.seek(0, 0)).rejects.toThrow("not seekable");
    await zero.close();
    const nul = await host.openFile("/dev/null", "r");
    expect(await nul.read(8)).toEqual({ bytes: new Uint8Array(0), eof: true });
    await nul.close();
  });

  test("a FIFO with no writer does not hang the agent: nothing yet, not eof", async () => {
    const { host, root } = await realSubject({});
    expect(Bun.spawnSync(["mkfifo", join(root, "pipe")]).exitCode).toBe(0);
    const f = await host.openFile("/pipe", "r");
    const started = performance.now();
    const r = await f.read(10);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.bytes.length).toBe(0);
    await f.close();
  });
});

test("real openFile: a file dropped without close has its descriptor closed when collected, and nothing crashes", async () => {
  const { host } = await realSubject({ "/f": "x" });
  const count = () => readdirSync("/proc/self/fd").length;
  const before = count();
  await (async () => {
    for (let i = 0; i < 20; i++) await host.openFile("/f", "r");
  })();
  expect(count()).toBeGreaterThanOrEqual(before + 20);
  for (let i = 0; i < 20 && count() > before; i++) {
    Bun.gc(true);
    await Bun.sleep(5);
  }
  expect(count()).toBeLessThanOrEqual(before);
});

describe("fake openFile: devices", () => {
  test("a fake device reads as a stream; writing to it is not modelled", async () => {
    const host = createFakeHost({ tree: { "/dev/vport0p1": { device: "char", content: bytes("abcdef") } } });
    const f = await host.openFile("/dev/vport0p1", "r+");
    expect(text((await f.read(4)).bytes)).toBe("abcd");
    expect(text((await f.read(4)).bytes)).toBe("ef");
    expect(await f.read(4)).toEqual({ bytes: new Uint8Array(0), eof: true });
    await expect(f.seek(0, 0)).rejects.toThrow("not seekable");
    await expect(f.write(bytes("x"))).rejects.toThrow("not modelled");
  });
});

test("parseOpenMode: what each mode may do", () => {
  expect(parseOpenMode("r")).toEqual({ read: true, write: false, create: false, truncate: false, append: false });
  expect(parseOpenMode("rb+")).toEqual({ read: true, write: true, create: false, truncate: false, append: false });
  expect(parseOpenMode("w")).toEqual({ read: false, write: true, create: true, truncate: true, append: false });
  expect(parseOpenMode("a+b")).toEqual({ read: true, write: true, create: true, truncate: false, append: true });
});
