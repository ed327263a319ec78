import { inheritPerms, ROOT_PERMS } from "./perms.ts";
import { baseName, childPath, isWithin, parentOf } from "./paths.ts";

/** Biggest value xenstored keeps: a WRITE's payload cannot carry more. */
export const MAX_VALUE = 4096;

interface Node {
  value: Uint8Array;
  perms: string[];
  /** Insertion order, as xenstored lists them. */
  children: string[];
  /** Bumped whenever the node or its child list changes: DIRECTORY_PART's generation count. */
  gen: number;
}

export type TreeChangeKind = "write" | "mkdir" | "rm" | "perms";

export interface TreeChange {
  kind: TreeChangeKind;
  path: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesOf(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}

/**
 * The store: absolute paths only, no permission checks (connections do those). Every mutation is
 * announced to subscribers after it happened, so watches fire the same for a client's request, a
 * committed transaction, or a test writing here directly.
 */
export class XenStoreTree {
  #nodes = new Map<string, Node>();
  /** path → sequence number of its last change; outlives removal so a transaction notices deletes. */
  #changed = new Map<string, number>();
  #seq = 0;
  #listeners = new Set<(change: TreeChange) => void>();

  constructor() {
    this.#nodes.set("/", { value: new Uint8Array(0), perms: [...ROOT_PERMS], children: [], gen: 0 });
  }

  /** A copy sharing nothing mutable, without subscribers: a transaction's private view. */
  clone(): XenStoreTree {
    const copy = new XenStoreTree();
    copy.#nodes = new Map([...this.#nodes].map(([path, n]) => [path, { ...n, perms: [...n.perms], children: [...n.children] }]));
    copy.#seq = this.#seq;
    return copy;
  }

  /** The current sequence number; `changedSince(path, seq)` compares against it. */
  get seq(): number {
    return this.#seq;
  }

  changedSince(path: string, seq: number): boolean {
    return (this.#changed.get(path) ?? 0) > seq;
  }

  subscribe(listener: (change: TreeChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  exists(path: string): boolean {
    return this.#nodes.has(path);
  }

  read(path: string): string | undefined {
    const node = this.#nodes.get(path);
    return node && decoder.decode(node.value);
  }

  readBytes(path: string): Uint8Array | undefined {
    return this.#nodes.get(path)?.value;
  }

  list(path: string): string[] | undefined {
    const node = this.#nodes.get(path);
    return node && [...node.children];
  }

  getPerms(path: string): string[] | undefined {
    const node = this.#nodes.get(path);
    return node && [...node.perms];
  }

  generation(path: string): number | undefined {
    return this.#nodes.get(path)?.gen;
  }

  /** The paths below `path` (not itself), parents before children. */
  descendants(path: string): string[] {
    const out: string[] = [];
    const walk = (at: string) => {
      for (const name of this.#nodes.get(at)?.children ?? []) {
        const child = childPath(at, name);
        out.push(child);
        walk(child);
      }
    };
    walk(path);
    return out;
  }

  /** Sets a value, creating missing parents with empty values. Returns the paths it created. */
  write(path: string, value: string | Uint8Array, creator = 0): string[] {
    const bytes = bytesOf(value);
    if (bytes.length > MAX_VALUE) throw new RangeError(`value of ${bytes.length} bytes for ${path} is over ${MAX_VALUE}`);
    const created = this.#ensure(path, creator);
    const node = this.#nodes.get(path) as Node;
    node.value = bytes;
    this.#touch(path);
    this.#emit({ kind: "write", path });
    return created;
  }

  /** Creates the node (and parents) when missing; an existing node is left as it is, silently. */
  mkdir(path: string, creator = 0): string[] {
    if (this.#nodes.has(path)) return [];
    const created = this.#ensure(path, creator);
    this.#emit({ kind: "mkdir", path });
    return created;
  }

  /** Removes the node and everything below; false when it was not there. The root stays. */
  remove(path: string): boolean {
    if (path === "/" || !this.#nodes.has(path)) return false;
    const gone = [path, ...this.descendants(path)];
    for (const p of gone) {
      this.#nodes.delete(p);
      this.#touch(p);
    }
    const parent = this.#nodes.get(parentOf(path)) as Node;
    parent.children = parent.children.filter((c) => c !== baseName(path));
    this.#touch(parentOf(path));
    this.#emit({ kind: "rm", path });
    return true;
  }

  setPerms(path: string, perms: readonly string[]): boolean {
    const node = this.#nodes.get(path);
    if (!node) return false;
    node.perms = [...perms];
    this.#touch(path);
    this.#emit({ kind: "perms", path });
    return true;
  }

  /** Every node with its value, by absolute path: what tests compare. */
  snapshot(under = "/"): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [path, node] of this.#nodes) if (isWithin(path, under)) out[path] = decoder.decode(node.value);
    return out;
  }

  #ensure(path: string, creator: number): string[] {
    if (this.#nodes.has(path)) return [];
    const parent = parentOf(path);
    const created = this.#ensure(parent, creator);
    const up = this.#nodes.get(parent) as Node;
    up.children.push(baseName(path));
    this.#touch(parent);
    this.#nodes.set(path, { value: new Uint8Array(0), perms: inheritPerms(up.perms, creator), children: [], gen: 0 });
    this.#touch(path);
    return [...created, path];
  }

  #touch(path: string): void {
    this.#seq += 1;
    this.#changed.set(path, this.#seq);
    const node = this.#nodes.get(path);
    if (node) node.gen = this.#seq;
  }

  #emit(change: TreeChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}
