/**
 * Real ISO9660 and FAT images made by the real tools (genisoimage, xorriso, mkfs.vfat, mtools), in a
 * temp dir, for the image readers' tests. A missing tool fails the test with the package to install.
 */
import { expect } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FileTree } from "../../src/transports/file-tree.ts";
import { type BlockSource, memoryBlockSource } from "../../src/transports/images/block-source.ts";

/** Which Debian package brings each program. */
const PACKAGES: Record<string, string> = {
  genisoimage: "genisoimage",
  xorriso: "xorriso",
  "mkfs.vfat": "dosfstools",
  mcopy: "mtools",
  mmd: "mtools",
  blkid: "util-linux",
};

export function requireTool(program: string): string {
  const found = Bun.which(program, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` });
  if (!found) throw new Error(`${program} is not installed: the image tests need it (apt-get install ${PACKAGES[program] ?? program})`);
  return found;
}

/** Runs a program; a non-zero exit is an error carrying its stderr. */
export async function run(argv: string[], env: Record<string, string> = {}): Promise<void> {
  const [program = "", ...args] = argv;
  const child = Bun.spawn([requireTool(program), ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited, new Response(child.stdout).text()]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${stderr}`);
}

/** A file tree to put into an image: path → content; a trailing "/" makes an (empty) directory. */
export type TreeSpec = Record<string, string | Uint8Array>;

export function writeTree(dir: string, spec: TreeSpec): void {
  for (const [path, content] of Object.entries(spec)) {
    const full = join(dir, path);
    if (path.endsWith("/")) {
      mkdirSync(full, { recursive: true });
      continue;
    }
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), "tether-images-"));

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A fresh directory holding `spec`. */
  tree(name: string, spec: TreeSpec): string {
    const dir = this.path(name);
    mkdirSync(dir);
    writeTree(dir, spec);
    return dir;
  }

  /** `genisoimage ARGS -o OUT TREE` or `xorriso -as mkisofs ARGS -o OUT TREE`; returns the image bytes. */
  async iso(tool: "genisoimage" | "xorriso", args: string[], treeDir: string, name: string): Promise<Uint8Array> {
    const out = this.path(name);
    const prefix = tool === "xorriso" ? ["xorriso", "-as", "mkisofs"] : ["genisoimage"];
    await run([...prefix, "-quiet", ...args, "-o", out, treeDir]);
    return new Uint8Array(readFileSync(out));
  }

  /** `mkfs.vfat -C -F BITS [-n LABEL] IMG KIB`, then `mcopy -s` of the tree's top entries into it. */
  async fat(bits: 12 | 16 | 32, label: string | null, kib: number, treeDir: string | null, name: string): Promise<Uint8Array> {
    const out = this.path(name);
    await run(["mkfs.vfat", "-C", "-F", String(bits), ...(label === null ? [] : ["-n", label]), out, String(kib)]);
    if (treeDir) {
      const top = readdirSync(treeDir).map((entry) => join(treeDir, entry));
      if (top.length) await run(["mcopy", "-s", "-i", out, ...top, "::/"], MTOOLS_ENV);
    }
    return new Uint8Array(readFileSync(out));
  }

  /** Adds an empty directory with mtools' own mmd (mcopy only makes directories that hold files). */
  async mmd(name: string, dir: string): Promise<Uint8Array> {
    const img = this.path(name);
    await run(["mmd", "-i", img, dir], MTOOLS_ENV);
    return new Uint8Array(readFileSync(img));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** mtools refuses images whose geometry it finds odd unless told not to check. */
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1" };

export function source(name: string, bytes: Uint8Array): BlockSource {
  return memoryBlockSource(name, bytes);
}

/** A BlockSource that records every read, to check how much the probe reads. */
export function countingSource(name: string, bytes: Uint8Array): BlockSource & { reads: [number, number][] } {
  const inner = memoryBlockSource(name, bytes);
  const reads: [number, number][] = [];
  return {
    name,
    reads,
    read(offset, length) {
      reads.push([offset, length]);
      return inner.read(offset, length);
    },
  };
}

/** Deterministic bytes, so a failing content comparison is reproducible. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Index of `needle` in `hay`, or -1; `from` to find a later one. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array | string, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(typeof needle === "string" ? Buffer.from(needle, "latin1") : Buffer.from(needle), from);
}

/** `bytes` with some bytes changed, without copying it: fuzzing a 64 MiB image round after round. */
export function patchedSource(name: string, bytes: Uint8Array, patches: Map<number, number>): BlockSource {
  return {
    name,
    async read(offset, length) {
      const out = bytes.slice(offset, Math.min(bytes.length, offset + length));
      for (const [at, value] of patches) if (at >= offset && at < offset + out.length) out[at - offset] = value;
      return out;
    },
  };
}

/** UTF-16 text as bytes, for finding Joliet (BE) and VFAT long-name (LE) pieces. */
export function utf16(text: string, endian: "le" | "be"): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 * i + (endian === "le" ? 0 : 1)] = c & 0xff;
    out[2 * i + (endian === "le" ? 1 : 0)] = c >> 8;
  }
  return out;
}

export const LONG_NAME = "a-very-long-file-name-that-is-longer-than-sixty-four-characters-in-total.txt";
/** Too long for one directory record: Rock Ridge writers split its NM entry into a continuation area. */
export const LONGEST_NAME = `${"0123456789".repeat(22)}-longest-name.txt`;
export const BIG = pseudoRandomBytes((3 << 19) + 123, 0x7e7e7e);

/** What a config drive and a NoCloud disk hold, plus the awkward cases: long, mixed-case, deep, empty, big. */
export const STANDARD_TREE: TreeSpec = {
  "openstack/latest/meta_data.json": '{"uuid": "0b2c3f4e", "hostname": "vm-1"}\n',
  "openstack/latest/user_data": "#cloud-config\nhostname: vm-1\n",
  "openstack/content/0000": "injected file 0000\n",
  "meta-data": "instance-id: iid-local01\nlocal-hostname: cloudimg\n",
  "user-data": "#cloud-config\npassword: passw0rd\n",
  "MixedCase.Txt": "mixed case\n",
  "lower.txt": "all lower\n",
  "A Long File Name.json": "{}\n",
  [LONG_NAME]: "long name\n",
  [LONGEST_NAME]: "longest name\n",
  "a/b/c/d/deep.txt": "four levels down\n",
  empty: "",
  "big.bin": BIG,
  "evil-name.txt": "to be patched\n",
};

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * Checks a FileTree read from an image of STANDARD_TREE against the tree itself: every file's
 * content byte for byte, every directory's listing. `spell` is how the image spells a top-level
 * name (Joliet cuts names at 64 characters).
 */
export async function expectStandardTree(tree: FileTree, spell = (name: string) => name): Promise<void> {
  for (const [path, content] of Object.entries(STANDARD_TREE)) {
    const inImage = path.includes("/") ? path : spell(path);
    const bytes = await tree.readFile(`/${inImage}`);
    if (typeof content === "string") expect(text(bytes)).toBe(content);
    else expect(Buffer.compare(Buffer.from(bytes), Buffer.from(content))).toBe(0);
    const stat = await tree.stat(`/${inImage}`);
    expect(stat).toMatchObject({ type: "file", size: typeof content === "string" ? Buffer.byteLength(content) : content.length, mode: 0o444, uid: 0, gid: 0 });
    expect(stat!.mtimeMs).toBeGreaterThan(Date.UTC(2000, 0, 1));
  }
  expect(await tree.list("/")).toEqual(
    ["A Long File Name.json", "MixedCase.Txt", "a", "big.bin", "empty", "evil-name.txt", LONG_NAME, LONGEST_NAME, "lower.txt", "meta-data", "openstack", "user-data"]
      .map(spell)
      .sort(),
  );
  expect(await tree.list("/openstack")).toEqual(["content", "latest"]);
  expect(await tree.list("/openstack/latest/")).toEqual(["meta_data.json", "user_data"]);
  expect(await tree.list("/a/b/c/d")).toEqual(["deep.txt"]);
  expect(await tree.stat("/a/b/c")).toMatchObject({ type: "dir", mode: 0o555, uid: 0, gid: 0 });
  expect(await tree.stat("/")).toMatchObject({ type: "dir" });
  expect(await tree.stat("/openstack/./latest/meta_data.json")).toMatchObject({ type: "file" });
  expect(await tree.stat("/openstack/2012-08-10/meta_data.json")).toBeNull();
  expect(await tree.stat("/meta-data/below-a-file")).toBeNull();
  expect(await tree.stat("/nothing")).toBeNull();
}
