import type { RootedFs } from "../host/types.ts";

/**
 * What a file-based transport needs from where its files are: a seed directory (a rooted fs) today,
 * an ISO9660 or FAT image read by our own readers (issue #4) tomorrow.
 */
export type FileTree = Pick<RootedFs, "readFile" | "stat">;
