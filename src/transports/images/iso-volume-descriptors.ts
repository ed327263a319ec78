import type { BlockSource } from "./block-source.ts";
import { equalsAscii, paddedText, u8, u16le, u32le } from "./byte-fields.ts";
import { imageError } from "./image-error.ts";
import { type IsoRecord, parseRecord } from "./iso-directory-records.ts";
import { readExact } from "./read-exact.ts";

/** Volume descriptors are 2048-byte sectors from sector 16, whatever the logical block size. */
export const DESCRIPTOR_BYTES = 2048;
export const FIRST_DESCRIPTOR = 16 * DESCRIPTOR_BYTES;
/** Real images have 2 to 4 descriptors; the bound stops a walk over a hostile run of them. */
const MAX_DESCRIPTORS = 32;

const TYPE_PRIMARY = 1;
const TYPE_SUPPLEMENTARY = 2;
const TYPE_TERMINATOR = 255;

/** A descriptor sector: type byte, "CD001", version. */
export function descriptorType(sector: Uint8Array): number | null {
  if (sector.length < DESCRIPTOR_BYTES || !equalsAscii(sector, 1, "CD001")) return null;
  return u8(sector, 0);
}

/** The volume identifier (bytes 40..71) of a primary descriptor, or null when `sector` is not one. */
export function primaryLabel(sector: Uint8Array): string | null {
  if (descriptorType(sector) !== TYPE_PRIMARY || u8(sector, 6) !== 1) return null;
  return paddedText(sector, 40, 32);
}

export interface IsoVolume {
  blockSize: number;
  /** Where the volume says it ends (volume space size × block size): extents past it are refused. */
  volumeBytes: number;
  primaryRoot: IsoRecord;
  /** The Joliet tree's root, when a supplementary descriptor carries a UCS-2 escape sequence. */
  jolietRoot: IsoRecord | null;
}

export async function readIsoVolume(src: BlockSource): Promise<IsoVolume> {
  let primary: Uint8Array | null = null;
  let joliet: Uint8Array | null = null;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const offset = FIRST_DESCRIPTOR + i * DESCRIPTOR_BYTES;
    const sector = await readExact(src, offset, DESCRIPTOR_BYTES, { structure: i === 0 ? "primary volume descriptor" : "volume descriptor set" });
    const type = descriptorType(sector);
    if (type === null) {
      if (i === 0) throw imageError(src.name, undefined, "primary volume descriptor", 'no ISO9660 volume: sector 16 does not hold "CD001"');
      break;
    }
    if (type === TYPE_TERMINATOR) break;
    if (type === TYPE_PRIMARY && !primary) primary = sector;
    if (type === TYPE_SUPPLEMENTARY && !joliet && isJoliet(sector)) joliet = sector;
  }
  if (!primary) throw imageError(src.name, undefined, "primary volume descriptor", "the volume descriptor set has no primary volume descriptor");

  const blockSize = u16le(primary, 128);
  // The sizes Linux accepts; anything else is not a volume it would mount either.
  if (blockSize !== 512 && blockSize !== 1024 && blockSize !== 2048) {
    throw imageError(src.name, undefined, "primary volume descriptor", `logical block size ${blockSize} is not 512, 1024 or 2048`);
  }
  const fail = (structure: string) => (what: string, message: string): never => {
    throw imageError(src.name, undefined, structure, `${what}: ${message}`);
  };
  return {
    blockSize,
    volumeBytes: u32le(primary, 80) * blockSize,
    primaryRoot: parseRecord(primary.subarray(156, 190), 0, fail("primary volume descriptor")),
    jolietRoot: joliet && u16le(joliet, 128) === blockSize ? parseRecord(joliet.subarray(156, 190), 0, fail("Joliet volume descriptor")) : null,
  };
}

/** Joliet marks its supplementary descriptor with the UCS-2 level 1, 2 or 3 escape: %/@, %/C, %/E. */
function isJoliet(sector: Uint8Array): boolean {
  return u8(sector, 88) === 0x25 && u8(sector, 89) === 0x2f && [0x40, 0x43, 0x45].includes(u8(sector, 90));
}
