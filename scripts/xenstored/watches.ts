import { XsError } from "./errors.ts";
import { isWithin, relativeTo, SPECIAL_WATCHES } from "./paths.ts";
import type { TreeChange } from "./store.ts";

/** Whoever registered a watch: a connection, which frames and sends the event. */
export interface WatchOwner {
  deliver(path: string, token: string): void;
}

interface Watch {
  owner: WatchOwner;
  /** The absolute node path, or an @special name. */
  node: string;
  token: string;
  /** Set when the watch was registered with a relative path: events then strip this home prefix. */
  relativeTo: string | null;
}

/** Every connection's watches, in registration order (the order events go out in). */
export class WatchRegistry {
  #watches: Watch[] = [];

  add(owner: WatchOwner, node: string, token: string, home: string | null): void {
    if (this.#find(owner, node, token) >= 0) throw new XsError("EEXIST");
    this.#watches.push({ owner, node, token, relativeTo: home });
  }

  remove(owner: WatchOwner, node: string, token: string): void {
    const at = this.#find(owner, node, token);
    if (at < 0) throw new XsError("ENOENT");
    this.#watches.splice(at, 1);
  }

  removeAll(owner: WatchOwner): void {
    this.#watches = this.#watches.filter((w) => w.owner !== owner);
  }

  count(owner?: WatchOwner): number {
    return owner ? this.#watches.filter((w) => w.owner === owner).length : this.#watches.length;
  }

  /**
   * A change fires the watches on the node and on its ancestors; a removal also fires those below
   * it (their nodes went too). The event names the changed node, relative when the watch was.
   */
  fire(change: TreeChange): void {
    for (const w of [...this.#watches]) {
      if (SPECIAL_WATCHES.has(w.node)) continue;
      const hit = isWithin(change.path, w.node) || (change.kind === "rm" && isWithin(w.node, change.path));
      if (hit) w.owner.deliver(w.relativeTo === null ? change.path : relativeTo(change.path, w.relativeTo), w.token);
    }
  }

  #find(owner: WatchOwner, node: string, token: string): number {
    return this.#watches.findIndex((w) => w.owner === owner && w.node === node && w.token === token);
  }
}
