import { InputError } from "../../errors.ts";
import type { FileStat } from "../../host/types.ts";
import type { FileTree } from "../file-tree.ts";
import { imageError } from "./image-error.ts";

/** One directory entry as a reader found it; readers add their own location fields. */
export interface ImageNode {
  name: string;
  /** Plain ISO and FAT names match case-insensitively; Rock Ridge and Joliet names match exactly. */
  foldCase: boolean;
  dir: boolean;
  size: number;
  mtimeMs: number;
}

/** What a reader supplies; the tree does paths, lookups, caching and the checks common to both. */
export interface ImageReaderParts<N extends ImageNode> {
  device: string;
  root: N;
  /** `path` is the directory's path inside the image, for errors. */
  children(dir: N, path: string): Promise<N[]>;
  content(file: N, path: string): Promise<Uint8Array>;
}

/** A directory cycle in a hostile image cannot make a walk go deeper than this. */
export const MAX_DEPTH = 64;
/** FAT allows 65536 entries in a directory; ISO directories are never near it in practice. */
export const MAX_ENTRIES = 65536;

export function imageTree<N extends ImageNode>(parts: ImageReaderParts<N>): FileTree {
  const { device } = parts;
  // Listings are kept per node object, so a cycle makes new nodes per level instead of reusing
  // stale ones; the depth bound keeps that finite.
  const listings = new WeakMap<N, Promise<Map<string, N>>>();

  function listing(dir: N, path: string): Promise<Map<string, N>> {
    let found = listings.get(dir);
    if (!found) {
      found = parts.children(dir, path).then((nodes) => index(device, path, nodes));
      listings.set(dir, found);
      // A failed read is not remembered: the same call fails again, with the same error.
      found.catch(() => listings.delete(dir));
    }
    return found;
  }

  async function resolve(path: string): Promise<{ node: N | null; path: string }> {
    const names = components(device, path);
    const clean = `/${names.join("/")}`;
    let node = parts.root;
    let at = "";
    for (const part of names) {
      if (!node.dir) return { node: null, path: clean };
      const entries = await listing(node, at || "/");
      at = `${at}/${part}`;
      const next = entries.get(part) ?? foldedMatch(entries, part);
      if (!next) return { node: null, path: clean };
      node = next;
    }
    return { node, path: clean };
  }

  return {
    async stat(path) {
      const { node } = await resolve(path);
      return node ? statOf(node) : null;
    },
    async readFile(path) {
      const found = await resolve(path);
      if (!found.node) throw imageError(device, found.path, "", "no such file in the image");
      if (found.node.dir) throw imageError(device, found.path, "", "is a directory, not a file");
      const bytes = await parts.content(found.node, found.path);
      // The reader may hand back a view of a cached or in-memory image; the caller gets its own copy.
      return bytes.slice();
    },
    async list(path) {
      const found = await resolve(path);
      if (!found.node) throw imageError(device, found.path, "", "no such directory in the image");
      if (!found.node.dir) throw imageError(device, found.path, "", "is a file, not a directory");
      return [...(await listing(found.node, found.path)).keys()].sort();
    },
  };
}

function statOf(node: ImageNode): FileStat {
  return { type: node.dir ? "dir" : "file", size: node.size, mode: node.dir ? 0o555 : 0o444, uid: 0, gid: 0, mtimeMs: node.mtimeMs };
}

/** The caller's path as components: "." ignored, ".." and NUL refused (no parent walks in images). */
function components(device: string, path: string): string[] {
  if (path.includes("\0")) throw new InputError(`${device}:${JSON.stringify(path)}`, [{ path: "", message: "a path inside an image must not contain NUL" }]);
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new InputError(`${device}:${path}`, [{ path: "", message: `".." is not allowed in a path inside an image` }]);
  if (parts.length > MAX_DEPTH) throw new InputError(`${device}:${path}`, [{ path: "", message: `deeper than ${MAX_DEPTH} directories` }]);
  return parts;
}

/**
 * Names from the image become map keys and, later, parts of paths the caller builds: one that is
 * empty, "." or "..", or holds "/" or NUL could walk out of where the caller meant. Such an image is
 * refused rather than silently cleaned, so nothing is read under a name the image did not say.
 */
function index<N extends ImageNode>(device: string, dirPath: string, nodes: N[]): Map<string, N> {
  if (nodes.length > MAX_ENTRIES) {
    throw imageError(device, dirPath, "directory", `${nodes.length} entries is over the limit of ${MAX_ENTRIES}`);
  }
  const map = new Map<string, N>();
  for (const node of nodes) {
    const bad = badName(node.name);
    if (bad) throw imageError(device, dirPath, "directory entry", `the name ${JSON.stringify(node.name)} ${bad}`);
    // The first of two equal names wins, as the kernel's lookup (a forward scan) would find it.
    if (!map.has(node.name)) map.set(node.name, node);
  }
  return map;
}

function badName(name: string): string | null {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return "is a reserved name";
  if (name.includes("/")) return 'contains "/"';
  if (name.includes("\0")) return "contains NUL";
  return null;
}

function foldedMatch<N extends ImageNode>(entries: Map<string, N>, wanted: string): N | undefined {
  const lower = wanted.toLowerCase();
  for (const [name, node] of entries) if (node.foldCase && name.toLowerCase() === lower) return node;
  return undefined;
}
