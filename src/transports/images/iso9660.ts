import type { FileTree } from "../file-tree.ts";
import type { BlockSource } from "./block-source.ts";
import type { Fail } from "./fail.ts";
import { imageError } from "./image-error.ts";
import { type ImageNode, imageTree, MAX_ENTRIES } from "./image-tree.ts";
import {
  directoryRecords,
  FLAG_ASSOCIATED,
  FLAG_DIRECTORY,
  FLAG_MULTI_EXTENT,
  type IsoRecord,
  isSelfOrParent,
  MIN_RECORD,
  parseRecord,
} from "./iso-directory-records.ts";
import { jolietName, plainIsoName } from "./iso-names.ts";
import { type IsoVolume, readIsoVolume } from "./iso-volume-descriptors.ts";
import { MAX_READ_BYTES, readExact } from "./read-exact.ts";
import { type ReadContinuation, rockRidgeFields, sharingProtocolSkip, suspEntries } from "./rock-ridge.ts";

interface Extent {
  block: number;
  size: number;
}

interface IsoNode extends ImageNode {
  extents: Extent[];
  interleaved: boolean;
}

type Naming = { kind: "rock-ridge"; skip: number } | { kind: "joliet" } | { kind: "plain" };

/** A multi-extent file is a run of records with one name; real ones have a few (4 GiB each). */
const MAX_EXTENTS = 64;
/** Every record is at least 34 bytes, so this holds MAX_ENTRIES and their block padding. */
const MAX_DIRECTORY_BYTES = MAX_ENTRIES * 64;

/**
 * An ISO9660 image as a FileTree, read straight from `src`. Names come from Rock Ridge (NM) when the
 * root announces SUSP, else from the Joliet tree, else from the plain ISO names, as Linux picks them.
 */
export async function openIso9660(src: BlockSource): Promise<FileTree> {
  const volume = await readIsoVolume(src);
  const device = src.name;
  const failAt =
    (inside: string | undefined): Fail =>
    (structure, message) => {
      throw imageError(device, inside, structure, message);
    };

  const continuationCache = new Map<string, Promise<Uint8Array>>();
  const readContinuation =
    (inside: string | undefined): ReadContinuation =>
    (block, offset, length) => {
      const key = `${block}:${offset}:${length}`;
      let found = continuationCache.get(key);
      if (!found) {
        // Linux refuses an area that crosses its block; it also keeps a hostile length small.
        if (offset + length > volume.blockSize) {
          failAt(inside)("Rock Ridge continuation area", `${length} bytes at offset ${offset} cross the end of its ${volume.blockSize}-byte block`);
        }
        const start = block * volume.blockSize + offset;
        checkInVolume(volume, start, length, failAt(inside), "Rock Ridge continuation area");
        found = readExact(src, start, length, { inside, structure: "Rock Ridge continuation area" });
        if (continuationCache.size > 256) continuationCache.clear();
        continuationCache.set(key, found);
      }
      return found;
    };

  const rootExtent = { block: volume.primaryRoot.extent, size: volume.primaryRoot.size };
  const rootBlock = await readDirectory(src, volume, rootExtent, "/");
  const self = parseRecord(rootBlock, 0, failAt("/"));
  const skip = sharingProtocolSkip(self.systemUse);
  let naming: Naming = { kind: "plain" };
  let root = volume.primaryRoot;
  if (skip !== null) {
    // Walk the root's own entries now: a continuation loop there is found at open, not at first use.
    await suspEntries(self.systemUse, readContinuation("/"), failAt("/"));
    naming = { kind: "rock-ridge", skip };
  } else if (volume.jolietRoot) {
    naming = { kind: "joliet" };
    root = volume.jolietRoot;
  }

  async function children(dir: IsoNode, path: string): Promise<IsoNode[]> {
    const fail = failAt(path);
    const [extent] = dir.extents;
    if (!extent) return [];
    const data = await readDirectory(src, volume, extent, path);
    const nodes: IsoNode[] = [];
    let pending: { record: IsoRecord; extents: Extent[] } | null = null;
    for (const record of directoryRecords(data, volume.blockSize, fail)) {
      if (isSelfOrParent(record)) continue;
      if (pending) {
        if (!sameBytes(pending.record.name, record.name)) fail("directory record", "a multi-extent file is cut short by a record of another name");
        pending.extents.push({ block: record.extent, size: record.size });
        if (pending.extents.length > MAX_EXTENTS) fail("directory record", `a file of more than ${MAX_EXTENTS} extents`);
      } else {
        pending = { record, extents: [{ block: record.extent, size: record.size }] };
      }
      if (record.flags & FLAG_MULTI_EXTENT) continue;
      const node = await nodeOf(pending.record, pending.extents, path);
      pending = null;
      if (node) nodes.push(node);
    }
    if (pending) fail("directory record", "the directory ends inside a multi-extent file");
    return nodes;
  }

  async function nodeOf(record: IsoRecord, extents: Extent[], path: string): Promise<IsoNode | null> {
    // Associated files are resource forks and the like; Linux hides them too.
    if (record.flags & FLAG_ASSOCIATED) return null;
    let name: string;
    let foldCase = false;
    let dir = (record.flags & FLAG_DIRECTORY) !== 0;
    if (naming.kind === "rock-ridge") {
      const entries = await suspEntries(record.systemUse.subarray(naming.skip), readContinuation(path), failAt(path));
      const rr = rockRidgeFields(entries, failAt(path));
      if (rr.relocated) return null;
      if (rr.childLink !== null) {
        const moved = await readDirectory(src, volume, { block: rr.childLink, size: volume.blockSize }, path);
        const self = parseRecord(moved, 0, failAt(path));
        extents = [{ block: rr.childLink, size: self.size }];
        dir = true;
      }
      name = rr.name ?? plainIsoName(record.name);
      foldCase = rr.name === null;
    } else if (naming.kind === "joliet") {
      name = jolietName(record.name);
    } else {
      name = plainIsoName(record.name);
      foldCase = true;
    }
    const size = extents.reduce((n, e) => n + e.size, 0);
    return { name, foldCase, dir, size, mtimeMs: record.mtimeMs, extents, interleaved: record.interleaved };
  }

  async function content(file: IsoNode, path: string): Promise<Uint8Array> {
    const fail = failAt(path);
    if (file.interleaved) fail("directory record", "the file is recorded interleaved, which this reader does not support");
    for (const extent of file.extents) checkInVolume(volume, extent.block * volume.blockSize, extent.size, fail, "file extent");
    if (file.size > MAX_READ_BYTES) fail("directory record", `the file's ${file.size} bytes are over the limit of ${MAX_READ_BYTES} bytes`);
    const parts: Uint8Array[] = [];
    for (const extent of file.extents) {
      if (extent.size === 0) continue;
      const start = extent.block * volume.blockSize;
      parts.push(await readExact(src, start, extent.size, { inside: path, structure: "file extent" }));
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(file.size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  const rootNode: IsoNode = {
    name: "",
    foldCase: false,
    dir: true,
    size: root.size,
    mtimeMs: root.mtimeMs,
    extents: [{ block: root.extent, size: root.size }],
    interleaved: false,
  };
  return imageTree({ device, root: rootNode, children, content });
}

async function readDirectory(src: BlockSource, volume: IsoVolume, extent: Extent, path: string): Promise<Uint8Array> {
  const fail: Fail = (structure, message) => {
    throw imageError(src.name, path, structure, message);
  };
  if (extent.size < MIN_RECORD) fail("directory", `${extent.size} bytes cannot hold even its "." record`);
  if (extent.size > MAX_DIRECTORY_BYTES) fail("directory", `${extent.size} bytes is over the limit of ${MAX_DIRECTORY_BYTES} bytes`);
  const start = extent.block * volume.blockSize;
  checkInVolume(volume, start, extent.size, fail, "directory");
  return readExact(src, start, extent.size, { inside: path, structure: "directory" });
}

/** Sizes from records are checked against the volume's own size before anything is read. */
function checkInVolume(volume: IsoVolume, start: number, length: number, fail: Fail, structure: string): void {
  if (start + length > volume.volumeBytes) {
    fail(structure, `extends to byte ${start + length}, past the end of the volume at byte ${volume.volumeBytes}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
