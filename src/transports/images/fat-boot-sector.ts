import { paddedText, u8, u16le, u32le } from "./byte-fields.ts";

export const BOOT_SECTOR_BYTES = 512;

/** Where everything of a FAT volume is, in bytes from the start of the device. */
export interface FatGeometry {
  type: 12 | 16 | 32;
  bytesPerSector: number;
  clusterBytes: number;
  fatOffset: number;
  fatBytes: number;
  /** FAT12/16: the fixed root directory region. FAT32: 0 (the root is a cluster chain). */
  rootDirOffset: number;
  rootDirBytes: number;
  /** FAT32 only. */
  rootCluster: number;
  dataOffset: number;
  /** Highest valid cluster number: clusters run from 2 to this. */
  maxCluster: number;
  volumeBytes: number;
  /** The label in the extended BPB, "" when absent or "NO NAME". */
  bpbLabel: string;
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * The geometry of a FAT12/16/32 boot sector, or why `b` is not one. The checks are the ones Linux and
 * blkid make, so a random sector that happens to end in 55 AA is not taken for a file system.
 */
export function parseFatBootSector(b: Uint8Array): FatGeometry | { notFat: string } {
  if (b.length < BOOT_SECTOR_BYTES) return { notFat: `only ${b.length} bytes, shorter than a boot sector` };
  if (u8(b, 510) !== 0x55 || u8(b, 511) !== 0xaa) return { notFat: "no 55 AA boot signature" };
  const bytesPerSector = u16le(b, 11);
  const sectorsPerCluster = u8(b, 13);
  const reserved = u16le(b, 14);
  const fats = u8(b, 16);
  const rootEntries = u16le(b, 17);
  const media = u8(b, 21);
  const fat16Size = u16le(b, 22);
  const fatSectors = fat16Size || u32le(b, 36);
  const totalSectors = u16le(b, 19) || u32le(b, 32);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096) return { notFat: `${bytesPerSector} bytes per sector` };
  if (!isPowerOfTwo(sectorsPerCluster)) return { notFat: `${sectorsPerCluster} sectors per cluster` };
  if (reserved === 0) return { notFat: "no reserved sectors" };
  if (fats === 0) return { notFat: "no FATs" };
  if (media !== 0xf0 && media < 0xf8) return { notFat: `media byte ${media.toString(16)}` };
  if (fatSectors === 0 || totalSectors === 0) return { notFat: "FAT size or sector count is 0" };

  // Linux's rule: no 16-bit FAT size means FAT32; otherwise the cluster count picks 12 or 16.
  const fat32 = fat16Size === 0;
  if (fat32 && rootEntries !== 0) return { notFat: "a FAT32 boot sector with a fixed root directory" };
  if (!fat32 && rootEntries === 0) return { notFat: "a FAT12/16 boot sector without a root directory" };
  const rootDirBytes = rootEntries * 32;
  const rootDirSectors = Math.ceil(rootDirBytes / bytesPerSector);
  const dataSector = reserved + fats * fatSectors + rootDirSectors;
  if (dataSector >= totalSectors) return { notFat: "the data area starts past the end of the volume" };
  const clusters = Math.floor((totalSectors - dataSector) / sectorsPerCluster);
  const type = fat32 ? 32 : clusters < 4085 ? 12 : 16;
  const fatBytes = fatSectors * bytesPerSector;
  // A FAT too small for the clusters cannot describe them; the ones past its end do not exist.
  const fatEntries = Math.floor((fatBytes * 8) / type);
  const maxCluster = Math.min(clusters + 1, fatEntries - 1);
  if (maxCluster < 2) return { notFat: "no data clusters" };

  const extended = fat32 ? 66 : 38;
  const labelAt = fat32 ? 71 : 43;
  const raw = u8(b, extended) === 0x29 ? paddedText(b, labelAt, 11) : "";
  return {
    type,
    bytesPerSector,
    clusterBytes: bytesPerSector * sectorsPerCluster,
    fatOffset: reserved * bytesPerSector,
    fatBytes,
    rootDirOffset: fat32 ? 0 : (reserved + fats * fatSectors) * bytesPerSector,
    rootDirBytes: fat32 ? 0 : rootDirBytes,
    rootCluster: fat32 ? u32le(b, 44) : 0,
    dataOffset: dataSector * bytesPerSector,
    maxCluster,
    volumeBytes: totalSectors * bytesPerSector,
    bpbLabel: labelOrNone(raw),
  };
}

/** mkfs.fat writes "NO NAME" where there is no label. */
export function labelOrNone(label: string): string {
  return label === "NO NAME" ? "" : label;
}

export function isFatGeometry(g: FatGeometry | { notFat: string }): g is FatGeometry {
  return !("notFat" in g);
}

