import { walkImage } from "../../helpers/walk-tree.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InputError } from "../../../src/errors.ts";
import type { BlockSource } from "../../../src/transports/images/block-source.ts";
import { openIso9660 } from "../../../src/transports/images/iso9660.ts";
import {
  BIG,
  expectStandardTree,
  indexOfBytes,
  LONGEST_NAME,
  patchedSource,
  source,
  STANDARD_TREE,
  utf16,
  Workspace,
} from "../../helpers/make-images.ts";

const ws = new Workspace();
const images: Record<string, Uint8Array> = {};

beforeAll(async () => {
  const tree = ws.tree("tree", STANDARD_TREE);
  const plain = ws.tree("plain", { "readme.txt": "plain iso\n", "docs/install.txt": "step one\n", "docs/notes": "", "Dir.Ext/x.y": "dotted\n" });
  const [rr, jolietOnly, plainIso, xorriso] = await Promise.all([
    ws.iso("genisoimage", ["-J", "-R", "-V", "config-2"], tree, "rr.iso"),
    ws.iso("genisoimage", ["-J", "-V", "cidata"], tree, "joliet.iso"),
    ws.iso("genisoimage", ["-V", "CIDATA"], plain, "plain.iso"),
    ws.iso("xorriso", ["-J", "-R", "-V", "CONFIG-2"], tree, "xorriso.iso"),
  ]);
  Object.assign(images, { rr, jolietOnly, plainIso, xorriso });
}, 60_000);

afterAll(() => ws.remove());

const open = (name: string, bytes: Uint8Array) => openIso9660(source(name, bytes));

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

const walk = (src: BlockSource) => walkImage(openIso9660, src);

describe("ISO9660 reader on real images", () => {
  test("genisoimage -J -R: Rock Ridge names, exact content, listings", async () => {
    await expectStandardTree(await open("/dev/sr0", images.rr!));
  });

  test("xorriso -as mkisofs -J -R: the same tree", async () => {
    await expectStandardTree(await open("/dev/sr0", images.xorriso!));
  });

  test("a Rock Ridge name split over NM entries (CONTINUE flag) is joined", async () => {
    for (const iso of [images.rr!, images.xorriso!]) {
      // Both writers split this name: an NM entry with flags = CONTINUE holds its first part.
      const first = indexOfBytes(iso, new TextEncoder().encode(LONGEST_NAME.slice(0, 40)));
      expect(iso.subarray(first - 5, first - 3)).toEqual(new TextEncoder().encode("NM"));
      expect(iso[first - 1]).toBe(0x01);
      const tree = await open("/dev/sr0", iso);
      expect(new TextDecoder().decode(await tree.readFile(`/${LONGEST_NAME}`))).toBe("longest name\n");
    }
  });

  test("Rock Ridge names match exactly: another case is another name", async () => {
    const tree = await open("/dev/sr0", images.rr!);
    expect(await tree.stat("/MixedCase.Txt")).not.toBeNull();
    expect(await tree.stat("/mixedcase.txt")).toBeNull();
    expect(await tree.stat("/META-DATA")).toBeNull();
  });

  test("genisoimage -J without -R: Joliet names (UCS-2), cut by Joliet at 64 characters", async () => {
    const tree = await open("/dev/sr0", images.jolietOnly!);
    await expectStandardTree(tree, (name) => name.slice(0, 64));
    expect(await tree.stat("/mixedcase.txt")).toBeNull();
  });

  test("plain ISO names (no -J -R): version and trailing dot dropped, shown lower-case, found in any case", async () => {
    const tree = await open("/dev/sr0", images.plainIso!);
    expect(await tree.list("/")).toEqual(["dir.ext", "docs", "readme.txt"]);
    expect(await tree.list("/docs")).toEqual(["install.txt", "notes"]);
    expect(new TextDecoder().decode(await tree.readFile("/readme.txt"))).toBe("plain iso\n");
    expect(new TextDecoder().decode(await tree.readFile("/README.TXT"))).toBe("plain iso\n");
    expect(new TextDecoder().decode(await tree.readFile("/Docs/Install.Txt"))).toBe("step one\n");
    expect(new TextDecoder().decode(await tree.readFile("/DIR.EXT/X.Y"))).toBe("dotted\n");
    expect(await tree.stat("/docs/notes")).toMatchObject({ type: "file", size: 0 });
    expect((await tree.readFile("/docs/notes")).length).toBe(0);
  });

  test("a file of several MiB: read through in full", async () => {
    const tree = await open("/dev/sr0", images.rr!);
    const bytes = await tree.readFile("/big.bin");
    expect(bytes.length).toBe(BIG.length);
    expect(Buffer.from(bytes).equals(Buffer.from(BIG))).toBe(true);
  });

  test("readFile and list refuse what is not there or not the right kind", async () => {
    const tree = await open("/dev/sr0", images.rr!);
    const missing = await inputError(tree.readFile("/openstack/latest/vendor_data.json"));
    expect(missing.source).toBe("/dev/sr0:/openstack/latest/vendor_data.json");
    expect((await inputError(tree.readFile("/openstack"))).message).toContain("is a directory");
    expect((await inputError(tree.list("/meta-data"))).message).toContain("is a file");
    expect((await inputError(tree.list("/nope"))).message).toContain("no such directory");
  });

  test('".." is refused, "." ignored, NUL refused', async () => {
    const tree = await open("/dev/sr0", images.rr!);
    expect((await inputError(tree.stat("/openstack/../meta-data"))).message).toContain('".." is not allowed');
    expect((await inputError(tree.readFile("/../meta-data"))).message).toContain('".." is not allowed');
    expect(await tree.list("/./openstack/.")).toEqual(["content", "latest"]);
    await inputError(tree.stat("/meta-data\0x"));
  });

  test("a FAT image or garbage is not an ISO", async () => {
    const error = await inputError(open("/dev/vdb", new Uint8Array(64 * 1024)));
    expect(error.source).toBe("/dev/vdb");
    expect(error.message).toContain('sector 16 does not hold "CD001"');
    await inputError(open("/dev/vdb", new Uint8Array(0)));
  });
});

describe("ISO9660 reader on truncated images", () => {
  /** Logical block 2048: the root directory's extent is at bytes 158..161 of the primary descriptor. */
  const rootOffset = (iso: Uint8Array) => new DataView(iso.buffer, iso.byteOffset).getUint32(32768 + 158, true) * 2048;

  test("cut inside the volume descriptors: an InputError naming the descriptor and where the image ends", async () => {
    const error = await inputError(open("/dev/sr0", images.rr!.subarray(0, 32768 + 100)));
    expect(error.source).toBe("/dev/sr0");
    expect(error.problems[0]!.path).toBe("primary volume descriptor");
    expect(error.problems[0]!.message).toBe("truncated: the image ends at byte 32868 but the primary volume descriptor extends to 34816");
  });

  test("cut inside the root directory", async () => {
    const cut = rootOffset(images.rr!) + 300;
    const error = await inputError(open("/dev/sr0", images.rr!.subarray(0, cut)));
    expect(error.source).toBe("/dev/sr0:/");
    expect(error.message).toContain(`truncated: the image ends at byte ${cut} but the directory extends to`);
  });

  test("cut inside a file's extent: that file fails, files before the cut still read", async () => {
    const iso = images.rr!;
    const start = indexOfBytes(iso, BIG.subarray(0, 64));
    expect(start).toBeGreaterThan(0);
    const cut = start + 700_000;
    const tree = await open("/dev/sr0", iso.subarray(0, cut));
    const error = await inputError(tree.readFile("/big.bin"));
    expect(error.source).toBe("/dev/sr0:/big.bin");
    expect(error.problems[0]!.path).toBe("file extent");
    expect(error.problems[0]!.message).toContain(`the image ends at byte ${cut}`);
    // Directories are written before file data, so the tree itself is whole.
    expect(await tree.list("/openstack")).toEqual(["content", "latest"]);
  });

  test("cut at every 4 KiB and at odd points: only InputErrors, never a crash", async () => {
    for (const iso of [images.rr!, images.jolietOnly!, images.plainIso!]) {
      const cuts = new Set<number>();
      for (let at = 0; at < Math.min(iso.length, 600 * 1024); at += 4096) cuts.add(at).add(at + 1).add(at + 2047);
      for (const cut of cuts) {
        for (const error of await walk(source("/dev/sr0", iso.subarray(0, cut)))) {
          if (!(error instanceof InputError)) throw new Error(`cut at ${cut}: ${String(error)}`);
        }
      }
    }
  }, 30_000);
});

describe("ISO9660 reader on hostile images", () => {
  /** The offset of `name`'s Rock Ridge NM entry: "NM", length, version 1, flags 0, then the name. */
  function nmEntry(iso: Uint8Array, name: string): number {
    const bytes = new TextEncoder().encode(name);
    const needle = new Uint8Array([0x4e, 0x4d, 5 + bytes.length, 1, 0, ...bytes]);
    const at = indexOfBytes(iso, needle);
    expect(at).toBeGreaterThan(0);
    return at;
  }

  test('a Rock Ridge name holding "/" is refused: the directory cannot be read', async () => {
    // Sanitising would invent a name the image never had; refusing keeps "../x" out of paths.
    const iso = images.rr!.slice();
    iso[nmEntry(iso, "evil-name.txt") + 5 + 4] = "/".charCodeAt(0);
    const tree = await open("/dev/sr0", iso);
    const error = await inputError(tree.list("/"));
    expect(error.source).toBe("/dev/sr0:/");
    expect(error.problems[0]).toEqual({ path: "directory entry", message: 'the name "evil/name.txt" contains "/"' });
    await inputError(tree.readFile("/meta-data"));
  });

  test("a Rock Ridge name holding NUL, or flagged as the parent, is refused", async () => {
    const withNul = images.rr!.slice();
    withNul[nmEntry(withNul, "evil-name.txt") + 5 + 4] = 0;
    expect((await inputError((await open("/dev/sr0", withNul)).list("/"))).message).toContain("contains NUL");
    const parent = images.rr!.slice();
    parent[nmEntry(parent, "evil-name.txt") + 4] = 0x04;
    expect((await inputError((await open("/dev/sr0", parent)).list("/"))).message).toContain('the name ".." is a reserved name');
  });

  test('a Joliet name holding "/" is refused', async () => {
    const iso = images.jolietOnly!.slice();
    const at = indexOfBytes(iso, utf16("evil-name.txt", "be"));
    expect(at).toBeGreaterThan(0);
    iso[at + 9] = "/".charCodeAt(0);
    expect((await inputError((await open("/dev/sr0", iso)).list("/"))).message).toContain('"evil/name.txt" contains "/"');
  });

  test("a Rock Ridge continuation area that continues into itself: refused at open", async () => {
    const iso = images.rr!.slice();
    const root = new DataView(iso.buffer).getUint32(32768 + 158, true) * 2048;
    const ce = indexOfBytes(iso.subarray(root, root + iso[root]!), "CE") + root;
    expect(ce).toBeGreaterThan(root);
    const view = new DataView(iso.buffer);
    const area = view.getUint32(ce + 4, true) * 2048 + view.getUint32(ce + 12, true);
    // Put a CE entry at the start of the continuation area that names the same area again.
    iso.set(iso.subarray(ce, ce + 28), area);
    const error = await inputError(open("/dev/sr0", iso));
    expect(error.problems[0]).toEqual({ path: "Rock Ridge continuation area", message: "more than 32 continuation areas for one record: they loop" });
  });

  test("a file record claiming 4 GiB: refused before reading, as past the end of the volume", async () => {
    const iso = images.plainIso!.slice();
    const root = new DataView(iso.buffer).getUint32(32768 + 158, true) * 2048;
    const at = indexOfBytes(iso, "README.TXT;1", root) - 33;
    expect(at).toBeGreaterThan(0);
    new DataView(iso.buffer).setUint32(at + 10, 0xfffffff0, true);
    const tree = await open("/dev/sr0", iso);
    expect((await tree.stat("/readme.txt"))!.size).toBe(0xfffffff0);
    const error = await inputError(tree.readFile("/readme.txt"));
    expect(error.source).toBe("/dev/sr0:/readme.txt");
    expect(error.problems[0]!.message).toContain("past the end of the volume");
  });

  test("a directory that contains itself: walks stop at the depth bound", async () => {
    const iso = images.plainIso!.slice();
    const view = new DataView(iso.buffer);
    const rootExtent = view.getUint32(32768 + 158, true);
    // The path table also holds "DOCS": look in the root directory itself.
    const docs = indexOfBytes(iso, "DOCS", rootExtent * 2048) - 33;
    expect(docs).toBeGreaterThan(0);
    // /docs now points at the root: /docs/docs/docs/... is always the root.
    view.setUint32(docs + 2, rootExtent, true);
    view.setUint32(docs + 10, view.getUint32(32768 + 156 + 10, true), true);
    const tree = await open("/dev/sr0", iso);
    expect(await tree.stat(`/${"docs/".repeat(60)}readme.txt`)).toMatchObject({ type: "file" });
    expect((await inputError(tree.stat(`/${"docs/".repeat(70)}readme.txt`))).message).toContain("deeper than 64 directories");
  });

  test("a multi-extent file (records of one name, all but the last flagged 0x80): its extents joined in order", async () => {
    const iso = images.plainIso!.slice();
    const view = new DataView(iso.buffer);
    const root = view.getUint32(32768 + 158, true) * 2048;
    const extentOf = (dir: number, name: string) => {
      const at = indexOfBytes(iso, name, dir) - 33;
      return [view.getUint32(at + 2, true), view.getUint32(at + 10, true)] as const;
    };
    const docs = extentOf(root, "DOCS")[0] * 2048;
    const [readme, readmeSize] = extentOf(root, "README.TXT;1");
    const [install, installSize] = extentOf(docs, "INSTALL.TXT;1");
    // Rewrite the root after its "." and ".." records: one file in two extents.
    const keep = iso[root]! + iso[root + iso[root]!]!;
    iso.fill(0, root + keep, root + 2048);
    iso.set(isoRecord("BOTH.TXT;1", readme, readmeSize, 0x80), root + keep);
    iso.set(isoRecord("BOTH.TXT;1", install, installSize, 0), root + keep + isoRecord("BOTH.TXT;1", 0, 0, 0).length);
    const tree = await open("/dev/sr0", iso);
    expect(await tree.list("/")).toEqual(["both.txt"]);
    expect(await tree.stat("/both.txt")).toMatchObject({ type: "file", size: readmeSize + installSize, mtimeMs: Date.UTC(2024, 0, 2, 3, 4, 5) });
    expect(new TextDecoder().decode(await tree.readFile("/both.txt"))).toBe("plain iso\nstep one\n");
  });

  test("random corruption of the directory area: only InputErrors, never a crash or a hang", async () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const base of [images.rr!, images.plainIso!]) {
      const root = new DataView(base.buffer, base.byteOffset).getUint32(32768 + 158, true) * 2048;
      for (let round = 0; round < 150; round++) {
        const patches = new Map<number, number>();
        for (let i = 0; i < 12; i++) patches.set(Math.floor(32768 + random() * (root + 16384 - 32768)), Math.floor(random() * 256));
        for (const error of await walk(patchedSource("/dev/sr0", base, patches))) {
          if (!(error instanceof InputError)) throw new Error(`round ${round}: ${String(error)}`);
        }
      }
    }
  }, 30_000);
});

/** An ISO9660 directory record (ECMA-119 9.1), both-endian fields, dated 2024-01-02 03:04:05 UTC. */
function isoRecord(name: string, extent: number, size: number, flags: number): Uint8Array {
  const length = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
  const r = new Uint8Array(length);
  const view = new DataView(r.buffer);
  r[0] = length;
  view.setUint32(2, extent, true);
  view.setUint32(6, extent, false);
  view.setUint32(10, size, true);
  view.setUint32(14, size, false);
  r.set([124, 1, 2, 3, 4, 5, 0], 18);
  r[25] = flags;
  view.setUint16(28, 1, true);
  view.setUint16(30, 1, false);
  r[32] = name.length;
  r.set(new TextEncoder().encode(name), 33);
  return r;
}
