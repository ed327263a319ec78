import { walkImage } from "../../helpers/walk-tree.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InputError } from "../../../src/errors.ts";
import { openFat } from "../../../src/transports/images/fat.ts";
import type { BlockSource } from "../../../src/transports/images/block-source.ts";
import { BIG, expectStandardTree, indexOfBytes, LONG_NAME, patchedSource, source, STANDARD_TREE, utf16, Workspace } from "../../helpers/make-images.ts";

const ws = new Workspace();
const images: Record<string, Uint8Array> = {};

beforeAll(async () => {
  const tree = ws.tree("tree", STANDARD_TREE);
  const [fat12, fat16, fat32] = await Promise.all([
    ws.fat(12, "CIDATA", 8 * 1024, tree, "fat12.img"),
    ws.fat(16, "config-2", 32 * 1024, tree, "fat16.img"),
    ws.fat(32, "cidata", 64 * 1024, tree, "fat32.img"),
  ]);
  await ws.fat(16, null, 32 * 1024, tree, "dirs.img");
  await ws.mmd("dirs.img", "::/empty-dir");
  const dirs = await ws.mmd("dirs.img", "::/empty-dir/Nested");
  Object.assign(images, { fat12, fat16, fat32, dirs });
}, 60_000);

afterAll(() => ws.remove());

const open = (bytes: Uint8Array) => openFat(source("/dev/vdb", bytes));

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

/** The few boot sector fields the tests need to patch an image by hand. */
function layout(img: Uint8Array) {
  const view = new DataView(img.buffer, img.byteOffset);
  const bps = view.getUint16(11, true);
  const spc = img[13]!;
  const reserved = view.getUint16(14, true);
  const fats = img[16]!;
  const rootEntries = view.getUint16(17, true);
  const fatSectors = view.getUint16(22, true) || view.getUint32(36, true);
  const fat32 = view.getUint16(22, true) === 0;
  const rootDir = (reserved + fats * fatSectors) * bps;
  const data = rootDir + Math.ceil((rootEntries * 32) / bps) * bps;
  const clusterOffset = (n: number) => data + (n - 2) * spc * bps;
  return { view, bps, fatOffset: reserved * bps, fat32, rootDir: fat32 ? clusterOffset(view.getUint32(44, true)) : rootDir, clusterOffset };
}

/** The directory entry whose 11-byte short name is `short` (e.g. "BIG     BIN"), searched from `from`. */
function entryAt(img: Uint8Array, short: string, from = 0): number {
  const at = indexOfBytes(img, short, from);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(at % 32).toBe(0);
  return at;
}

function firstCluster(img: Uint8Array, entry: number): number {
  const view = new DataView(img.buffer, img.byteOffset);
  return view.getUint16(entry + 20, true) * 0x10000 + view.getUint16(entry + 26, true);
}

/** Writes FAT entry `n` in every copy's first FAT (the one readers use). */
function setFatEntry(img: Uint8Array, bits: 12 | 16 | 32, n: number, value: number): void {
  const { view, fatOffset } = layout(img);
  if (bits === 32) view.setUint32(fatOffset + n * 4, value, true);
  else if (bits === 16) view.setUint16(fatOffset + n * 2, value, true);
  else {
    const at = fatOffset + n + (n >> 1);
    const old = view.getUint16(at, true);
    view.setUint16(at, n & 1 ? (old & 0x000f) | (value << 4) : (old & 0xf000) | (value & 0xfff), true);
  }
}

const walk = (src: BlockSource) => walkImage(openFat, src);

describe("FAT reader on real images (mkfs.vfat + mcopy)", () => {
  for (const bits of [12, 16, 32] as const) {
    test(`FAT${bits}: long names, case bits, nested dirs, empty and big files, exact content`, async () => {
      await expectStandardTree(await open(images[`fat${bits}`]!));
    });
  }

  test("the test images really are FAT12, FAT16 and FAT32 (as mkfs.fat labels them)", () => {
    expect(new TextDecoder().decode(images.fat12!.subarray(54, 59))).toBe("FAT12");
    expect(new TextDecoder().decode(images.fat16!.subarray(54, 59))).toBe("FAT16");
    expect(new TextDecoder().decode(images.fat32!.subarray(82, 87))).toBe("FAT32");
  });

  test("lookups ignore case; listings keep the case written", async () => {
    const tree = await open(images.fat16!);
    expect(new TextDecoder().decode(await tree.readFile("/META-DATA"))).toBe(STANDARD_TREE["meta-data"] as string);
    expect(new TextDecoder().decode(await tree.readFile("/mixedcase.txt"))).toBe("mixed case\n");
    expect(new TextDecoder().decode(await tree.readFile("/OpenStack/LATEST/Meta_Data.JSON"))).toContain('"uuid"');
    expect(await tree.stat(`/${LONG_NAME.toUpperCase()}`)).toMatchObject({ type: "file" });
  });

  test("lower.txt is stored as a short name with the lower-case bits, and read back lower-case", async () => {
    const img = images.fat16!;
    const entry = entryAt(img, "LOWER   TXT", layout(img).rootDir);
    expect(img[entry + 12]).toBe(0x18);
    // No long-name piece spells it: the name comes from the case bits alone.
    expect(indexOfBytes(img, utf16("lower", "le"))).toBe(-1);
    expect(await (await open(img)).list("/")).toContain("lower.txt");
  });

  test("a long name whose checksum does not match its short name is ignored for the short name", async () => {
    const img = images.fat16!.slice();
    const entry = entryAt(img, "MIXEDC~1TXT", layout(img).rootDir);
    img[entry + 7] = "2".charCodeAt(0);
    const names = await (await open(img)).list("/");
    expect(names).toContain("MIXEDC~2.TXT");
    expect(names).not.toContain("MixedCase.Txt");
  });

  test("empty directories made with mmd; a volume without a label still reads", async () => {
    const tree = await open(images.dirs!);
    expect(await tree.list("/empty-dir")).toEqual(["Nested"]);
    expect(await tree.list("/empty-dir/nested")).toEqual([]);
    expect(await tree.stat("/empty-dir/Nested")).toMatchObject({ type: "dir", mode: 0o555 });
  });

  test("readFile and list refuse what is not there or not the right kind; '..' refused", async () => {
    const tree = await open(images.fat32!);
    expect((await inputError(tree.readFile("/openstack/latest/network_data.json"))).source).toBe("/dev/vdb:/openstack/latest/network_data.json");
    expect((await inputError(tree.readFile("/a/b"))).message).toContain("is a directory");
    expect((await inputError(tree.list("/big.bin"))).message).toContain("is a file");
    expect((await inputError(tree.stat("/a/../meta-data"))).message).toContain('".." is not allowed');
  });

  test("an ISO or garbage is not FAT", async () => {
    const error = await inputError(open(new Uint8Array(4096)));
    expect(error.source).toBe("/dev/vdb");
    expect(error.problems[0]).toEqual({ path: "boot sector", message: "not a FAT file system: no 55 AA boot signature" });
    expect((await inputError(open(new Uint8Array(100)))).message).toContain("truncated: the image ends at byte 100 but the boot sector extends to 512");
  });
});

describe("FAT reader on truncated images", () => {
  test("cut inside the FAT, the root directory and a file's clusters", async () => {
    const img = images.fat16!;
    const { rootDir, clusterOffset } = layout(img);

    // FAT32's root is a cluster chain, so listing it needs the FAT.
    const fat32 = layout(images.fat32!).fatOffset;
    const inFat = await inputError(open(images.fat32!.subarray(0, fat32 + 100)).then((t) => t.list("/")));
    expect(inFat.source).toBe("/dev/vdb:/");
    expect(inFat.problems[0]!.path).toBe("FAT");
    expect(inFat.message).toContain(`the image ends at byte ${fat32 + 100}`);

    const inRoot = await inputError(open(img.subarray(0, rootDir + 100)).then((t) => t.list("/")));
    expect(inRoot.source).toBe("/dev/vdb:/");
    expect(inRoot.problems[0]).toEqual({ path: "root directory", message: `truncated: the image ends at byte ${rootDir + 100} but the root directory extends to ${rootDir + 512 * 32}` });

    const big = clusterOffset(firstCluster(img, entryAt(img, "BIG     BIN", rootDir)));
    expect(Buffer.from(img.subarray(big, big + 64)).equals(Buffer.from(BIG.subarray(0, 64)))).toBe(true);
    const tree = await open(img.subarray(0, big + 500_000));
    const inFile = await inputError(tree.readFile("/big.bin"));
    expect(inFile.source).toBe("/dev/vdb:/big.bin");
    expect(inFile.problems[0]!.path).toBe("file cluster");
    expect(new TextDecoder().decode(await tree.readFile("/meta-data"))).toBe(STANDARD_TREE["meta-data"] as string);
  });

  test("cut at many points of each FAT type: only InputErrors, never a crash", async () => {
    for (const bits of [12, 16, 32] as const) {
      const img = images[`fat${bits}`]!;
      const end = layout(img).clusterOffset(firstCluster(img, entryAt(img, "BIG     BIN", layout(img).rootDir))) + 4096;
      for (let cut = 0; cut < end; cut += Math.max(509, Math.floor(end / 300))) {
        for (const error of await walk(source("/dev/vdb", img.subarray(0, cut)))) {
          if (!(error instanceof InputError)) throw new Error(`FAT${bits} cut at ${cut}: ${String(error)}`);
        }
      }
    }
  }, 30_000);
});

describe("FAT reader on hostile images", () => {
  for (const bits of [12, 16, 32] as const) {
    test(`FAT${bits}: a file's cluster chain that loops back is refused`, async () => {
      const img = images[`fat${bits}`]!.slice();
      const first = firstCluster(img, entryAt(img, "BIG     BIN", layout(img).rootDir));
      setFatEntry(img, bits, first + 2, first);
      const error = await inputError((await open(img)).readFile("/big.bin"));
      expect(error.source).toBe("/dev/vdb:/big.bin");
      expect(error.problems[0]).toEqual({ path: "FAT", message: `cluster chain from ${first} loops back to cluster ${first}` });
    });
  }

  test("FAT32: a root directory chain that loops onto itself is refused", async () => {
    const img = images.fat32!.slice();
    const root = layout(img).view.getUint32(44, true);
    setFatEntry(img, 32, root, root);
    const error = await inputError((await open(img)).list("/"));
    expect(error.message).toContain(`loops back to cluster ${root}`);
  });

  test("a chain that ends early, or runs to a cluster past the volume", async () => {
    const img = images.fat16!.slice();
    const first = firstCluster(img, entryAt(img, "BIG     BIN", layout(img).rootDir));
    setFatEntry(img, 16, first + 1, 0xffff);
    expect((await inputError((await open(img)).readFile("/big.bin"))).message).toContain(`ends after 2 clusters, but the file needs`);
    setFatEntry(img, 16, first + 1, 0xfff0);
    expect((await inputError((await open(img)).readFile("/big.bin"))).message).toContain("reaches cluster 65520, outside the data clusters");
    setFatEntry(img, 16, first + 1, 0);
    expect((await inputError((await open(img)).readFile("/big.bin"))).message).toContain("marked bad or free");
  });

  test("a file claiming more bytes than the volume holds is refused before reading", async () => {
    const img = images.fat12!.slice();
    const entry = entryAt(img, "LOWER   TXT", layout(img).rootDir);
    layout(img).view.setUint32(entry + 28, 0x7fffffff, true);
    const tree = await open(img);
    expect((await tree.stat("/lower.txt"))!.size).toBe(0x7fffffff);
    expect((await inputError(tree.readFile("/lower.txt"))).message).toContain("the file claims 2147483647 bytes, more than the volume's");
  });

  test("a directory that points back at its parent: walks stop at the depth bound", async () => {
    const img = images.fat16!.slice();
    const { rootDir, clusterOffset, view } = layout(img);
    const a = firstCluster(img, entryAt(img, "A          ", rootDir));
    const b = entryAt(img, "B          ", clusterOffset(a));
    view.setUint16(b + 26, a, true);
    const tree = await open(img);
    expect(await tree.list(`/a${"/b".repeat(60)}`)).toEqual(["b"]);
    expect((await inputError(tree.stat(`/a${"/b".repeat(70)}`))).message).toContain("deeper than 64 directories");
  });

  test('a long name holding "/" is refused, not cleaned: the directory cannot be read', async () => {
    const img = images.fat32!.slice();
    const at = indexOfBytes(img, utf16("evil-", "le"));
    expect(at).toBeGreaterThan(0);
    img[at + 8] = "/".charCodeAt(0);
    const error = await inputError((await open(img)).list("/"));
    expect(error.source).toBe("/dev/vdb:/");
    expect(error.problems[0]).toEqual({ path: "directory entry", message: 'the name "evil/name.txt" contains "/"' });
  });

  test("a NUL in a long name ends it, as VFAT defines (U+0000 is the terminator): no NUL reaches a name", async () => {
    const img = images.fat32!.slice();
    const at = indexOfBytes(img, utf16("evil-", "le"));
    img[at + 8] = 0;
    const names = await (await open(img)).list("/");
    expect(names).toContain("evil");
    expect(names.some((n) => n.includes("\0"))).toBe(false);
  });

  test('a short name holding "/" is refused too', async () => {
    const img = images.fat12!.slice();
    const entry = entryAt(img, "LOWER   TXT", layout(img).rootDir);
    img[entry + 2] = "/".charCodeAt(0);
    expect((await inputError((await open(img)).list("/"))).message).toContain('"lo/er.txt" contains "/"');
  });

  test("random corruption of the boot sector, FAT and root directory: only InputErrors", async () => {
    let seed = 987654;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const bits of [12, 16, 32] as const) {
      const base = images[`fat${bits}`]!;
      const end = layout(base).rootDir + 4096;
      for (let round = 0; round < 100; round++) {
        const patches = new Map<number, number>();
        for (let i = 0; i < 8; i++) {
          // Half the hits land in the boot sector, where one byte changes the whole geometry.
          patches.set(random() < 0.5 ? Math.floor(random() * 64) : Math.floor(random() * end), Math.floor(random() * 256));
        }
        for (const error of await walk(patchedSource("/dev/vdb", base, patches))) {
        }
      }
    }
  }, 30_000);
});
