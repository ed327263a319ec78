import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readVolumeLabel } from "../../../src/transports/images/volume-label.ts";
import { countingSource, indexOfBytes, pseudoRandomBytes, requireTool, source, Workspace } from "../../helpers/make-images.ts";

const ws = new Workspace();
const images: Record<string, Uint8Array> = {};

/** image name → what it must read as: the label exactly as the tool was given it. */
const EXPECTED: Record<string, { filesystem: "iso9660" | "vfat"; label: string }> = {
  "genisoimage-config-2.iso": { filesystem: "iso9660", label: "config-2" },
  "genisoimage-jr-cidata.iso": { filesystem: "iso9660", label: "cidata" },
  "xorriso-CONFIG-2.iso": { filesystem: "iso9660", label: "CONFIG-2" },
  "xorriso-CIDATA.iso": { filesystem: "iso9660", label: "CIDATA" },
  "genisoimage-unlabelled.iso": { filesystem: "iso9660", label: "" },
  "fat12-CIDATA.img": { filesystem: "vfat", label: "CIDATA" },
  "fat16-config-2.img": { filesystem: "vfat", label: "config-2" },
  "fat32-cidata.img": { filesystem: "vfat", label: "cidata" },
  "fat32-CONFIG-2.img": { filesystem: "vfat", label: "CONFIG-2" },
  "fat16-unlabelled.img": { filesystem: "vfat", label: "" },
};

beforeAll(async () => {
  const tree = ws.tree("tree", { "meta-data": "instance-id: i-1\n", "openstack/latest/meta_data.json": "{}\n" });
  const made = await Promise.all([
    ws.iso("genisoimage", ["-V", "config-2"], tree, "genisoimage-config-2.iso"),
    ws.iso("genisoimage", ["-J", "-R", "-V", "cidata"], tree, "genisoimage-jr-cidata.iso"),
    ws.iso("xorriso", ["-J", "-R", "-V", "CONFIG-2"], tree, "xorriso-CONFIG-2.iso"),
    ws.iso("xorriso", ["-V", "CIDATA"], tree, "xorriso-CIDATA.iso"),
    ws.iso("genisoimage", ["-V", ""], tree, "genisoimage-unlabelled.iso"),
    ws.fat(12, "CIDATA", 4 * 1024, tree, "fat12-CIDATA.img"),
    ws.fat(16, "config-2", 32 * 1024, tree, "fat16-config-2.img"),
    ws.fat(32, "cidata", 64 * 1024, tree, "fat32-cidata.img"),
    ws.fat(32, "CONFIG-2", 64 * 1024, null, "fat32-CONFIG-2.img"),
    ws.fat(16, null, 32 * 1024, tree, "fat16-unlabelled.img"),
  ]);
  Object.keys(EXPECTED).forEach((name, i) => (images[name] = made[i]!));
}, 60_000);

afterAll(() => ws.remove());

const label = (name: string, bytes: Uint8Array) => readVolumeLabel(source(name, bytes));

/** blkid's own answer (util-linux), probing the image file directly. */
async function blkid(path: string): Promise<{ filesystem: string; label: string }> {
  const child = Bun.spawn([requireTool("blkid"), "-p", "-o", "export", path], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  const fields = Object.fromEntries(out.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  return { filesystem: fields.TYPE ?? "", label: fields.LABEL ?? "" };
}

describe("volume labels of real images", () => {
  for (const name of Object.keys(EXPECTED)) {
    test(`${name}: ${JSON.stringify(EXPECTED[name]!.label)}, case as written, the same as blkid says`, async () => {
      expect(await label("/dev/sr0", images[name]!)).toEqual(EXPECTED[name]!);
      expect(await blkid(ws.path(name))).toEqual(EXPECTED[name]!);
    });
  }

  test("a few small reads per device: at most 4 reads, 24 KiB in all", async () => {
    for (const name of Object.keys(EXPECTED)) {
      const src = countingSource("/dev/vdb", images[name]!);
      await readVolumeLabel(src);
      expect(src.reads.length).toBeLessThanOrEqual(4);
      expect(src.reads.reduce((n, [, length]) => n + length, 0)).toBeLessThanOrEqual(24 * 1024);
    }
  });
});

describe("FAT: the root directory's label entry first, then the boot sector's, as blkid does", () => {
  for (const [name, labelAt] of [
    ["fat12-CIDATA.img", 43],
    ["fat32-cidata.img", 71],
  ] as const) {
    test(name, async () => {
      const img = images[name]!.slice();
      const written = EXPECTED[name]!.label;
      img.set(new TextEncoder().encode("BOOTSECTOR "), labelAt);
      expect((await label("/dev/vdb", img))!.label).toBe(written);
      // Mark the root's label entry deleted: the boot sector's label is all that is left.
      // Searched past the reserved sectors: FAT32 keeps a copy of the boot sector there.
      const entry = indexOfBytes(img, written.padEnd(11, " "), new DataView(img.buffer).getUint16(14, true) * 512);
      expect(entry % 32).toBe(0);
      img[entry] = 0xe5;
      expect(await label("/dev/vdb", img)).toEqual({ filesystem: "vfat", label: "BOOTSECTOR" });
      // Without the extended boot signature the boot sector has no label field at all.
      img[labelAt === 43 ? 38 : 66] = 0;
      expect(await label("/dev/vdb", img)).toEqual({ filesystem: "vfat", label: "" });
    });
  }

  test('"NO NAME" in the root entry means no label', async () => {
    const img = images["fat16-config-2.img"]!.slice();
    const entry = indexOfBytes(img, "config-2   ", 512);
    img.set(new TextEncoder().encode("NO NAME    "), entry);
    expect(await label("/dev/vdb", img)).toEqual({ filesystem: "vfat", label: "" });
  });
});

describe("devices that hold neither file system: null", () => {
  test("empty, shorter than a boot sector, zeros, random bytes", async () => {
    expect(await label("/dev/vdc", new Uint8Array(0))).toBeNull();
    expect(await label("/dev/vdc", new Uint8Array(300))).toBeNull();
    expect(await label("/dev/vdc", new Uint8Array(1 << 20))).toBeNull();
    expect(await label("/dev/vdc", pseudoRandomBytes(1 << 20, 42))).toBeNull();
  });

  test("an ISO cut before the end of its primary descriptor", async () => {
    expect(await label("/dev/sr0", images["genisoimage-config-2.iso"]!.subarray(0, 32768 + 2000))).toBeNull();
  });

  test("an MBR (55 AA but no sane BPB) is not FAT", async () => {
    const mbr = new Uint8Array(1 << 16);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    mbr.set([0x80, 0, 0, 0, 0x0c], 446);
    expect(await label("/dev/vdc", mbr)).toBeNull();
  });

  test("a FAT boot sector with a root directory past the end of the device keeps its boot sector label", async () => {
    const img = images["fat16-config-2.img"]!;
    expect(await label("/dev/vdb", img.subarray(0, 4096))).toEqual({ filesystem: "vfat", label: "config-2" });
  });
});
