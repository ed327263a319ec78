/**
 * The ISO9660 and FAT readers (src/transports/images), through their BlockSource interface, on
 * real images made by genisoimage, xorriso, mkfs.vfat and mcopy, damaged where the structure is
 * (descriptors, path tables, directories, FATs, boot sectors, Rock Ridge areas), never in file
 * contents where a change means nothing. Each damaged image is labelled, opened by both readers,
 * and walked: every directory listed, every file read.
 */
import { afterAll, beforeAll, describe, test } from "bun:test";
import type { BlockSource } from "../../src/transports/images/block-source.ts";
import { openFat } from "../../src/transports/images/fat.ts";
import { openIso9660 } from "../../src/transports/images/iso9660.ts";
import { readVolumeLabel } from "../../src/transports/images/volume-label.ts";
import { indexOfBytes, LONG_NAME, LONGEST_NAME, patchedSource, pseudoRandomBytes, type TreeSpec, Workspace } from "../helpers/make-images.ts";
import { walkImage } from "../helpers/walk-tree.ts";
import { TetherError } from "../../src/errors.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import type { Rng } from "./lib/prng.ts";

const MEDIUM = pseudoRandomBytes(70_000, 0x5eed);
const TREE: TreeSpec = {
  "openstack/latest/meta_data.json": '{"uuid": "0b2c3f4e", "hostname": "vm-1"}\n',
  "openstack/latest/network_data.json": '{"links": [], "networks": []}\n',
  "openstack/latest/user_data": "#cloud-config\nhostname: vm-1\n",
  "openstack/content/0000": "injected file 0000\n",
  "meta-data": "instance-id: iid-local01\n",
  "user-data": "#cloud-config\n",
  [LONG_NAME]: "long name\n",
  [LONGEST_NAME]: "longest name\n",
  "Mixed Case.Txt": "mixed\n",
  "a/b/c/d/e/f/g/deep.txt": "deep\n",
  "empty": "",
  "medium.bin": MEDIUM,
  ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`many/file-${i}.txt`, `${i}\n`])),
};

interface Image {
  name: string;
  bytes: Uint8Array;
  /** Offsets of structure: everything but the files' contents, up to the last byte in use. */
  hot: (rng: Rng) => number;
}

const ws = new Workspace();
const images: Image[] = [];

/** Where the structure is: any offset below the last used byte that is not inside a file's content. */
function hotOffsets(bytes: Uint8Array): (rng: Rng) => number {
  const contents = Object.values(TREE)
    .filter((c) => c.length > 16)
    .map((c) => (typeof c === "string" ? new TextEncoder().encode(c) : c))
    .flatMap((c) => {
      const at = indexOfBytes(bytes, c.subarray(0, 16));
      return at < 0 ? [] : [[at, at + c.length] as const];
    });
  const inContent = (at: number) => contents.some(([from, to]) => at >= from && at < to);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  // Non-zero bytes outside contents are fields and names; most of an image is zero padding.
  const fields: number[] = [];
  for (let at = 0; at < end; at++) if (bytes[at] !== 0 && !inContent(at)) fields.push(at);
  return (rng) => {
    for (;;) {
      const at = rng.chance(0.8) ? Math.max(0, rng.pick(fields) + rng.range(-8, 8)) : rng.int(end + 64);
      if (!inContent(at)) return at;
    }
  };
}

beforeAll(async () => {
  const dir = ws.tree("tree", TREE);
  const made = await Promise.all([
    ws.iso("genisoimage", ["-J", "-R", "-V", "config-2"], dir, "rr.iso").then((b) => ["iso rock ridge + joliet", b] as const),
    ws.iso("genisoimage", ["-J", "-V", "cidata"], dir, "joliet.iso").then((b) => ["iso joliet", b] as const),
    ws.iso("genisoimage", ["-V", "CIDATA"], dir, "plain.iso").then((b) => ["iso plain", b] as const),
    ws.iso("xorriso", ["-J", "-R", "-V", "CONFIG-2"], dir, "xorriso.iso").then((b) => ["iso xorriso", b] as const),
    ws.fat(12, "CIDATA", 2 * 1024, dir, "fat12.img").then((b) => ["fat12", b] as const),
    ws.fat(16, "config-2", 16 * 1024, dir, "fat16.img").then((b) => ["fat16", b] as const),
    ws.fat(32, "cidata", 34 * 1024, dir, "fat32.img").then((b) => ["fat32", b] as const),
  ]);
  for (const [name, bytes] of made) images.push({ name, bytes, hot: hotOffsets(bytes) });
}, 60_000);

afterAll(() => ws.remove());

const INTERESTING_U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7ff, 0x800, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff7, 0xfffffff8, 0xffffffff];

interface Damage {
  image: Image;
  patches: Map<number, number>;
  /** The image cut short here (a truncated device), or the whole of it. */
  cut: number;
}

function generate(rng: Rng, _index: number, kind: "iso" | "fat"): Damage {
  const pool = images.filter((i) => i.name.startsWith(kind));
  const image = rng.pick(pool);
  const patches = new Map<number, number>();
  const rounds = 1 + rng.small(16);
  for (let r = 0; r < rounds; r++) {
    const at = image.hot(rng);
    rng.weighted<() => void>([
      [5, () => void patches.set(at, rng.int(256))],
      [2, () => void patches.set(at, (image.bytes[at] ?? 0) ^ (1 << rng.int(8)))],
      // A field rewritten: both byte orders, as ISO9660 stores its numbers.
      [3, () => {
        const value = rng.pick(INTERESTING_U32);
        const width = rng.pick([2, 4]);
        const big = rng.chance(0.5);
        for (let i = 0; i < width; i++) patches.set(at + i, (value >>> (8 * (big ? width - 1 - i : i))) & 0xff);
      }],
      // A record copied over another: a directory entry pointing where another's does.
      [1, () => {
        const from = image.hot(rng);
        for (let i = 0; i < rng.pick([32, 34, 64]); i++) patches.set(at + i, image.bytes[from + i] ?? 0);
      }],
      [0.5, () => {
        for (let i = 0; i < rng.pick([16, 512, 2048]); i++) patches.set(at + i, rng.chance(0.5) ? 0 : 0xff);
      }],
    ])();
  }
  const cut = rng.chance(0.1) ? image.hot(rng) : image.bytes.length;
  return { image, patches, cut };
}

function sourceOf(d: Damage): BlockSource {
  const inner = patchedSource(`/dev/${d.image.name.replace(/\W+/g, "-")}`, d.image.bytes, d.patches);
  return { name: inner.name, read: async (offset, length) => (offset >= d.cut ? new Uint8Array(0) : (await inner.read(offset, length)).subarray(0, Math.max(0, d.cut - offset))) };
}

/**
 * The label, then the reader it names walked (as openVolume picks it), then the other reader too:
 * garbage of one format is the other's input as well. An untyped error from any is the failure;
 * otherwise the matching reader's first refusal is the case's outcome, for the figures.
 */
async function run(d: Damage, kind: "iso" | "fat"): Promise<unknown> {
  const src = sourceOf(d);
  const label = await readVolumeLabel(src);
  const [own, other] = kind === "iso" ? [openIso9660, openFat] : [openFat, openIso9660];
  const errors = await walkImage(own, src);
  const untyped = [...errors, ...(await walkImage(other, src))].find((e) => !(e instanceof TetherError));
  if (untyped) throw untyped;
  if (errors[0]) throw errors[0];
  return label;
}

const show = (d: Damage) => `${d.image.name}, cut at ${d.cut} of ${d.image.bytes.length}, patches ${JSON.stringify([...d.patches].slice(0, 40))}${d.patches.size > 40 ? "…" : ""}`;

function target(kind: "iso" | "fat", count: number): FuzzTarget<Damage> {
  return {
    name: `${kind === "iso" ? "ISO9660" : "FAT"} reader`,
    file: import.meta.path,
    count,
    generate: (rng, index) => generate(rng, index, kind),
    run: (d) => run(d, kind),
    show,
    bytes: (d) => {
      const out = d.image.bytes.slice(0, d.cut);
      for (const [at, value] of d.patches) if (at < out.length) out[at] = value;
      return out;
    },
  };
}

const TARGETS = [target("iso", 2500), target("fat", 2500)];

describe("fuzz: image readers", () => {
  for (const t of TARGETS) test(t.name, async () => expectClean(await fuzz(t), t), timeoutFor(t.count, 30));
});
