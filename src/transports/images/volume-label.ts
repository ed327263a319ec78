import type { BlockSource } from "./block-source.ts";
import { BOOT_SECTOR_BYTES, type FatGeometry, isFatGeometry, labelOrNone, parseFatBootSector } from "./fat-boot-sector.ts";
import { rootLabel } from "./fat-directory.ts";
import { DESCRIPTOR_BYTES, descriptorType, FIRST_DESCRIPTOR, primaryLabel } from "./iso-volume-descriptors.ts";
import { readUpTo } from "./read-exact.ts";

export interface VolumeLabel {
  filesystem: "iso9660" | "vfat";
  /** As written on the volume (case kept, padding removed); "" when the volume has no label. */
  label: string;
}

/** The primary descriptor is almost always first; a boot record or two may come before it. */
const MAX_DESCRIPTORS = 4;
/** The label entry is near the start of the root (mkfs.fat writes it first); this is plenty. */
const ROOT_SCAN_BYTES = 16 * 1024;

/**
 * The file system and label of a device, in a few small reads: what the probe needs to spot config
 * drives and NoCloud disks without blkid. null when the device holds neither ISO9660 nor FAT (or is
 * too short to hold one). An unreadable root directory falls back to the boot sector's label.
 */
export async function readVolumeLabel(src: BlockSource): Promise<VolumeLabel | null> {
  return (await isoLabel(src)) ?? (await fatLabel(src));
}

async function isoLabel(src: BlockSource): Promise<VolumeLabel | null> {
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const sector = await readUpTo(src, FIRST_DESCRIPTOR + i * DESCRIPTOR_BYTES, DESCRIPTOR_BYTES);
    const type = descriptorType(sector);
    if (type === null || type === 255) return null;
    const label = primaryLabel(sector);
    if (label !== null) return { filesystem: "iso9660", label };
  }
  return null;
}

async function fatLabel(src: BlockSource): Promise<VolumeLabel | null> {
  const geometry = parseFatBootSector(await readUpTo(src, 0, BOOT_SECTOR_BYTES));
  if (!isFatGeometry(geometry)) return null;
  // blkid prefers the root directory's label entry: tools that relabel often update only that one.
  const root = rootRegion(geometry);
  const fromRoot = root ? rootLabel(await readUpTo(src, root.offset, Math.min(root.length, ROOT_SCAN_BYTES))) : null;
  return { filesystem: "vfat", label: fromRoot === null ? geometry.bpbLabel : labelOrNone(fromRoot) };
}

/** FAT12/16: the fixed root region. FAT32: the root's first cluster (the label entry is near the start). */
function rootRegion(g: FatGeometry): { offset: number; length: number } | null {
  if (g.type !== 32) return { offset: g.rootDirOffset, length: g.rootDirBytes };
  if (g.rootCluster < 2 || g.rootCluster > g.maxCluster) return null;
  return { offset: g.dataOffset + (g.rootCluster - 2) * g.clusterBytes, length: g.clusterBytes };
}
