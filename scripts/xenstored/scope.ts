import type { XenStoreTree } from "./store.ts";

/**
 * What a request works on: the live store, or a transaction's view of it. Request handlers see
 * only this, so one handler serves both and a transaction can note what it touched.
 */
export interface StoreScope {
  read(path: string): Uint8Array | undefined;
  list(path: string): string[] | undefined;
  generation(path: string): number | undefined;
  getPerms(path: string): string[] | undefined;
  exists(path: string): boolean;
  write(path: string, value: Uint8Array, creator: number): void;
  mkdir(path: string, creator: number): void;
  remove(path: string): boolean;
  setPerms(path: string, perms: readonly string[]): boolean;
}

export function liveScope(tree: XenStoreTree): StoreScope {
  return {
    read: (path) => tree.readBytes(path),
    list: (path) => tree.list(path),
    generation: (path) => tree.generation(path),
    getPerms: (path) => tree.getPerms(path),
    exists: (path) => tree.exists(path),
    write: (path, value, creator) => void tree.write(path, value, creator),
    mkdir: (path, creator) => void tree.mkdir(path, creator),
    remove: (path) => tree.remove(path),
    setPerms: (path, perms) => tree.setPerms(path, perms),
  };
}
