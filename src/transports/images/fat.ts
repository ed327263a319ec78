import type { FileTree } from "../file-tree.ts";
import type { BlockSource } from "./block-source.ts";
import type { Fail } from "./fail.ts";
import { BOOT_SECTOR_BYTES, type FatGeometry, isFatGeometry, parseFatBootSector } from "./fat-boot-sector.ts";
import { fatEntries } from "./fat-directory.ts";
import { FatTable } from "./fat-table.ts";
import { imageError } from "./image-error.ts";
import { type ImageNode, imageTree, MAX_ENTRIES } from "./image-tree.ts";
import { MAX_READ_BYTES, readExact } from "./read-exact.ts";

interface FatNode extends ImageNode {
  firstCluster: number;
  /** The FAT12/16 root: a fixed region, not a cluster chain. */
  fixedRoot: boolean;
}

const MAX_DIRECTORY_BYTES = MAX_ENTRIES * 32;

/** A FAT12, FAT16 or FAT32 image as a FileTree, read straight from `src`. Names match case-insensitively. */
export async function openFat(src: BlockSource): Promise<FileTree> {
  const device = src.name;
  const boot = await readExact(src, 0, BOOT_SECTOR_BYTES, { structure: "boot sector" });
  const parsed = parseFatBootSector(boot);
  if (!isFatGeometry(parsed)) throw imageError(device, undefined, "boot sector", `not a FAT file system: ${parsed.notFat}`);
  const geometry: FatGeometry = parsed;
  const table = new FatTable(src, geometry);
  const failAt =
    (inside: string): Fail =>
    (structure, message) => {
      throw imageError(device, inside, structure, message);
    };

  /** Clusters are gathered into runs of neighbours so a contiguous file is one read, not one per cluster. */
  async function readClusters(clusters: number[], length: number, path: string, structure: string): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    for (let i = 0; i < clusters.length && filled < length; ) {
      let j = i + 1;
      while (j < clusters.length && clusters[j] === clusters[j - 1]! + 1) j++;
      const start = geometry.dataOffset + (clusters[i]! - 2) * geometry.clusterBytes;
      const want = Math.min((j - i) * geometry.clusterBytes, length - filled);
      out.set(await readExact(src, start, want, { inside: path, structure }), filled);
      filled += want;
      i = j;
    }
    return out;
  }

  async function children(dir: FatNode, path: string): Promise<FatNode[]> {
    const fail = failAt(path);
    let data: Uint8Array;
    if (dir.fixedRoot) {
      data = await readExact(src, geometry.rootDirOffset, geometry.rootDirBytes, { inside: path, structure: "root directory" });
    } else {
      const limit = Math.ceil(MAX_DIRECTORY_BYTES / geometry.clusterBytes);
      const clusters = await table.chain(dir.firstCluster, limit + 1, path, fail);
      if (clusters.length > limit) fail("directory", `longer than ${MAX_ENTRIES} entries`);
      data = await readClusters(clusters, clusters.length * geometry.clusterBytes, path, "directory");
    }
    return fatEntries(data, geometry.type === 32).map((e) => ({
      name: e.name,
      foldCase: true,
      dir: e.dir,
      // A directory's size field is 0 on disk; its clusters are its size.
      size: e.dir ? 0 : e.size,
      mtimeMs: e.mtimeMs,
      firstCluster: e.firstCluster,
      fixedRoot: false,
    }));
  }

  async function content(file: FatNode, path: string): Promise<Uint8Array> {
    const fail = failAt(path);
    if (file.size === 0) return new Uint8Array(0);
    const dataBytes = (geometry.maxCluster - 1) * geometry.clusterBytes;
    if (file.size > dataBytes) fail("directory entry", `the file claims ${file.size} bytes, more than the volume's ${dataBytes} bytes of clusters`);
    if (file.size > MAX_READ_BYTES) fail("directory entry", `the file's ${file.size} bytes are over the limit of ${MAX_READ_BYTES} bytes`);
    const needed = Math.ceil(file.size / geometry.clusterBytes);
    const clusters = await table.chain(file.firstCluster, needed, path, fail, needed);
    return readClusters(clusters, file.size, path, "file cluster");
  }

  const fat32 = geometry.type === 32;
  const root: FatNode = { name: "", foldCase: true, dir: true, size: 0, mtimeMs: 0, firstCluster: geometry.rootCluster, fixedRoot: !fat32 };
  return imageTree({ device, root, children, content });
}
