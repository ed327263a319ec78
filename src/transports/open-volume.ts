import { InputError } from "../errors.ts";
import type { RootedFs } from "../host/types.ts";
import type { FileTree } from "./file-tree.ts";
import { blockSourceOf } from "./images/block-source.ts";
import { openFat } from "./images/fat.ts";
import { openIso9660 } from "./images/iso9660.ts";
import { readVolumeLabel } from "./images/volume-label.ts";

/** A config drive or NoCloud disk, read by our own ISO9660 or FAT reader: no mount, no blkid. */
export async function openVolume(fs: RootedFs, device: string): Promise<FileTree> {
  const source = blockSourceOf(fs, device);
  const label = await readVolumeLabel(source);
  if (!label) throw new InputError(device, [{ path: "", message: "neither an iso9660 nor a vfat filesystem" }]);
  return label.filesystem === "iso9660" ? openIso9660(source) : openFat(source);
}
