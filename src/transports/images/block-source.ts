import type { RootedFs } from "../../host/types.ts";

/**
 * Random access to a device or an image file. Reads past the end return fewer bytes (or none):
 * readers must check lengths, since a truncated image is ordinary bad input.
 */
export interface BlockSource {
  /** Names the device in errors, e.g. "/dev/sr0". */
  readonly name: string;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A block device or image file under the host's root, read through the Host seam. */
export function blockSourceOf(fs: Pick<RootedFs, "readRange">, path: string): BlockSource {
  return { name: path, read: (offset, length) => fs.readRange(path, offset, length) };
}

/** An image already in memory: for tests and for images fetched whole. */
export function memoryBlockSource(name: string, bytes: Uint8Array): BlockSource {
  return { name, read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)) };
}
