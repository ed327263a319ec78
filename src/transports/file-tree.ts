import type { FileStat } from "../host/types.ts";

/**
 * A read-only tree of files, as a file-based transport needs it: a seed directory (a RootedFs
 * satisfies this), or an ISO9660 or FAT image read by our own readers, straight from the device.
 * Paths are absolute inside the tree ("/openstack/latest/meta_data.json").
 */
export interface FileTree {
  /** null when the path does not exist. Only "file" and "dir" appear for images. */
  stat(path: string): Promise<FileStat | null>;
  readFile(path: string): Promise<Uint8Array>;
  /** Names in a directory, sorted. */
  list(path: string): Promise<string[]>;
}
