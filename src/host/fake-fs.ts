import { FsError } from "./fs-error.ts";
import { components, joinRoot, PathError, resolveInRoot } from "./resolve-in-root.ts";
import type { FileStat, FileType, RootedFs } from "./types.ts";

type Meta = { mode: number; uid: number; gid: number; mtimeMs: number };
type Node =
  | (Meta & { type: "file"; data: Uint8Array })
  | (Meta & { type: "dir" })
  | (Meta & { type: "symlink"; target: string })
  | (Meta & { type: "block" | "char"; data: Uint8Array });

/** How a test describes a tree: a path maps to text or bytes, or to a node with metadata. */
export type FakeEntry =
  | string
  | Uint8Array
  | { content: string | Uint8Array; mode?: number; uid?: number; gid?: number }
  | { dir: true; mode?: number; uid?: number; gid?: number }
  | { symlink: string }
  | { device: "block" | "char"; content?: Uint8Array };

export type FakeTree = Record<string, FakeEntry>;

const encoder = new TextEncoder();
const bytes = (data: string | Uint8Array) => (typeof data === "string" ? encoder.encode(data) : new Uint8Array(data));

export interface FakeFs extends RootedFs {
  /** The whole tree as path → text, for assertions on what a run changed. */
  snapshot(): Record<string, string>;
}

/** An in-memory file system with the same chroot semantics as the real one. */
export function createFakeFs(tree: FakeTree = {}, now: () => number = () => 0): FakeFs {
  const nodes = new Map<string, Node>();
  const meta = (mode: number, uid = 0, gid = 0): Meta => ({ mode, uid, gid, mtimeMs: now() });
  nodes.set("/", { type: "dir", ...meta(0o755) });

  const fail = (code: string, op: string, path: string): never => {
    throw new FsError(code, op, path);
  };

  async function resolve(path: string, followLast: boolean): Promise<string> {
    const parts = await resolveInRoot("", path, followLast, async (p) => {
      const node = nodes.get(p);
      return node?.type === "symlink" ? node.target : null;
    });
    return joinRoot("", parts);
  }

  const parentOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";

  function requireParentDir(p: string, op: string, path: string): void {
    const parent = nodes.get(parentOf(p));
    if (!parent) fail("ENOENT", op, path);
    if (parent?.type !== "dir") fail("ENOTDIR", op, path);
  }

  function mkdirs(p: string, mode: number): void {
    const parts = components(p);
    for (let i = 1; i <= parts.length; i++) {
      const dir = joinRoot("", parts.slice(0, i));
      const node = nodes.get(dir);
      if (!node) nodes.set(dir, { type: "dir", ...meta(mode) });
      else if (node.type !== "dir") throw new FsError("ENOTDIR", "mkdir", p);
    }
  }

  function toStat(node: Node): FileStat {
    const size = "data" in node ? node.data.length : node.type === "symlink" ? node.target.length : 4096;
    return { type: node.type as FileType, size, mode: node.mode, uid: node.uid, gid: node.gid, mtimeMs: node.mtimeMs };
  }

  async function op<T>(name: string, path: string, followLast: boolean, body: (p: string) => T): Promise<T> {
    try {
      return body(await resolve(path, followLast));
    } catch (error) {
      if (error instanceof PathError) throw new FsError(error.code, name, path);
      throw error;
    }
  }

  function readable(name: string, path: string, p: string): Uint8Array {
    const node = nodes.get(p);
    if (!node) return fail("ENOENT", name, path);
    if (node.type === "dir") return fail("EISDIR", name, path);
    if (!("data" in node)) return fail("EINVAL", name, path);
    return node.data;
  }

  for (const [path, entry] of Object.entries(tree)) {
    const p = joinRoot("", components(path));
    mkdirs(parentOf(p), 0o755);
    if (typeof entry === "string" || entry instanceof Uint8Array) nodes.set(p, { type: "file", data: bytes(entry), ...meta(0o644) });
    else if ("symlink" in entry) nodes.set(p, { type: "symlink", target: entry.symlink, ...meta(0o777) });
    else if ("dir" in entry) nodes.set(p, { type: "dir", ...meta(entry.mode ?? 0o755, entry.uid, entry.gid) });
    else if ("device" in entry) nodes.set(p, { type: entry.device, data: entry.content ?? new Uint8Array(), ...meta(0o660) });
    else nodes.set(p, { type: "file", data: bytes(entry.content), ...meta(entry.mode ?? 0o644, entry.uid, entry.gid) });
  }

  const fs: FakeFs = {
    root: "/",
    realPath: (path) => op("resolve", path, true, (p) => p),
    stat: (path) => op("stat", path, true, (p) => (nodes.has(p) ? toStat(nodes.get(p) as Node) : null)),
    lstat: (path) => op("lstat", path, false, (p) => (nodes.has(p) ? toStat(nodes.get(p) as Node) : null)),
    exists: (path) => op("stat", path, true, (p) => nodes.has(p)),
    readFile: (path) => op("read", path, true, (p) => readable("read", path, p).slice()),
    readText: (path) => op("read", path, true, (p) => new TextDecoder().decode(readable("read", path, p))),
    readRange: (path, offset, length) => op("read", path, true, (p) => readable("read", path, p).slice(offset, offset + length)),
    list: (path) =>
      op("list", path, true, (p) => {
        const node = nodes.get(p);
        if (!node) return fail("ENOENT", "list", path);
        if (node.type !== "dir") return fail("ENOTDIR", "list", path);
        const prefix = p === "/" ? "/" : `${p}/`;
        return [...nodes.keys()].filter((k) => k !== p && k.startsWith(prefix) && !k.slice(prefix.length).includes("/")).map((k) => k.slice(prefix.length)).sort();
      }),
    readlink: (path) =>
      op("readlink", path, false, (p) => {
        const node = nodes.get(p);
        return node?.type === "symlink" ? node.target : fail(node ? "EINVAL" : "ENOENT", "readlink", path);
      }),
    writeFile: (path, data, options) =>
      op("write", path, false, (p) => {
        requireParentDir(p, "write", path);
        const existing = nodes.get(p);
        if (existing?.type === "symlink") fail("ELOOP", "write", path);
        if (existing?.type === "dir") fail("EISDIR", "write", path);
        nodes.set(p, { type: "file", data: bytes(data), ...meta(options.mode, options.uid ?? existing?.uid, options.gid ?? existing?.gid) });
      }),
    mkdir: (path, options) =>
      op("mkdir", path, true, (p) => {
        if (options.recursive) return mkdirs(p, options.mode);
        if (nodes.has(p)) fail("EEXIST", "mkdir", path);
        requireParentDir(p, "mkdir", path);
        nodes.set(p, { type: "dir", ...meta(options.mode) });
      }),
    rename: async (from, to) => {
      const src = await resolve(from, false);
      const dst = await resolve(to, false);
      if (!nodes.has(src)) fail("ENOENT", "rename", from);
      requireParentDir(dst, "rename", to);
      for (const key of [...nodes.keys()]) {
        if (key === src || key.startsWith(`${src}/`)) {
          nodes.set(dst + key.slice(src.length), nodes.get(key) as Node);
          nodes.delete(key);
        }
      }
    },
    remove: (path, options) =>
      op("remove", path, false, (p) => {
        const node = nodes.get(p);
        if (!node) return fail("ENOENT", "remove", path);
        if (node.type === "dir" && !options?.recursive) fail("EISDIR", "remove", path);
        const children = [...nodes.keys()].filter((k) => k.startsWith(`${p}/`));
        for (const key of [p, ...children]) nodes.delete(key);
      }),
    chmod: (path, mode) =>
      op("chmod", path, true, (p) => {
        const node = nodes.get(p) ?? fail("ENOENT", "chmod", path);
        node.mode = mode & 0o7777;
      }),
    chown: (path, uid, gid) =>
      op("chown", path, false, (p) => {
        const node = nodes.get(p) ?? fail("ENOENT", "chown", path);
        node.uid = uid;
        node.gid = gid;
      }),
    snapshot: () =>
      Object.fromEntries(
        [...nodes.entries()]
          .filter(([, n]) => n.type === "file")
          .map(([k, n]) => [k, new TextDecoder().decode((n as { data: Uint8Array }).data)]),
      ),
  };
  return fs;
}
