import type { StoreScope } from "./scope.ts";
import { parentOf } from "./paths.ts";
import type { XenStoreTree } from "./store.ts";

type Op =
  | { kind: "write"; path: string; value: Uint8Array; creator: number }
  | { kind: "mkdir"; path: string; creator: number }
  | { kind: "rm"; path: string }
  | { kind: "perms"; path: string; perms: readonly string[] };

/**
 * A transaction works on a private copy of the store taken at its start, and keeps the list of its
 * mutations. Commit replays that list on the live store (so watches fire then, once per change)
 * unless a node it read, listed or wrote has changed there since the start: xenstored's EAGAIN,
 * after which the client runs the whole transaction again.
 */
export class Transaction implements StoreScope {
  readonly #view: XenStoreTree;
  readonly #startSeq: number;
  readonly #touched = new Set<string>();
  readonly #log: Op[] = [];

  constructor(
    readonly id: number,
    live: XenStoreTree,
  ) {
    this.#view = live.clone();
    this.#startSeq = live.seq;
  }

  read(path: string): Uint8Array | undefined {
    this.#touched.add(path);
    return this.#view.readBytes(path);
  }

  list(path: string): string[] | undefined {
    this.#touched.add(path);
    return this.#view.list(path);
  }

  generation(path: string): number | undefined {
    this.#touched.add(path);
    return this.#view.generation(path);
  }

  getPerms(path: string): string[] | undefined {
    this.#touched.add(path);
    return this.#view.getPerms(path);
  }

  exists(path: string): boolean {
    this.#touched.add(path);
    return this.#view.exists(path);
  }

  write(path: string, value: Uint8Array, creator: number): void {
    this.#noteCreation(this.#view.write(path, value, creator), path);
    this.#log.push({ kind: "write", path, value, creator });
  }

  mkdir(path: string, creator: number): void {
    this.#noteCreation(this.#view.mkdir(path, creator), path);
    this.#log.push({ kind: "mkdir", path, creator });
  }

  remove(path: string): boolean {
    const below = this.#view.descendants(path);
    if (!this.#view.remove(path)) return false;
    for (const p of [path, parentOf(path), ...below]) this.#touched.add(p);
    this.#log.push({ kind: "rm", path });
    return true;
  }

  setPerms(path: string, perms: readonly string[]): boolean {
    this.#touched.add(path);
    if (!this.#view.setPerms(path, perms)) return false;
    this.#log.push({ kind: "perms", path, perms });
    return true;
  }

  /** Applies the transaction to `live`; false (and nothing applied) when another writer got there first. */
  commit(live: XenStoreTree): boolean {
    for (const path of this.#touched) if (live.changedSince(path, this.#startSeq)) return false;
    for (const op of this.#log) {
      if (op.kind === "write") live.write(op.path, op.value, op.creator);
      else if (op.kind === "mkdir") live.mkdir(op.path, op.creator);
      else if (op.kind === "rm") live.remove(op.path);
      else live.setPerms(op.path, op.perms);
    }
    return true;
  }

  #noteCreation(created: string[], path: string): void {
    this.#touched.add(path);
    // A created node changes its parent's child list: a concurrent creation of the same parent conflicts.
    for (const p of created) this.#touched.add(p).add(parentOf(p));
  }
}
