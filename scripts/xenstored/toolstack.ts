import { domainPath } from "./paths.ts";
import type { XenStoreTree } from "./store.ts";

/** A fixed, recognisable UUID per domain id, so tests can predict `vm`. */
export function vmUuid(domid: number): string {
  return `00000000-0000-4000-8000-${domid.toString(16).padStart(12, "0")}`;
}

function ensure(store: XenStoreTree, path: string, value: string | null, perms: string[]): void {
  if (store.exists(path)) return;
  if (value === null) store.mkdir(path);
  else store.write(path, value);
  store.setPerms(path, perms);
}

/**
 * What a toolstack (libxl) writes before a guest boots: dom0's home, the guest's home readable by
 * the guest, `data` owned by it (where the Nova agent protocol lives), its name and VM path.
 * Existing nodes are left alone, so a store handed in (or kept across a restart) keeps its values.
 */
export function seedDomains(store: XenStoreTree, domid: number): void {
  const home = domainPath(domid);
  const uuid = vmUuid(domid);
  ensure(store, "/local", null, ["n0"]);
  ensure(store, "/local/domain", null, ["n0"]);
  ensure(store, domainPath(0), null, ["n0"]);
  ensure(store, `${domainPath(0)}/name`, "Domain-0", ["n0"]);
  ensure(store, home, null, ["n0", `r${domid}`]);
  ensure(store, `${home}/name`, `guest-${domid}`, ["n0", `r${domid}`]);
  ensure(store, `${home}/vm`, `/vm/${uuid}`, ["n0", `r${domid}`]);
  ensure(store, `${home}/data`, null, [`n${domid}`]);
  ensure(store, `/vm/${uuid}/uuid`, uuid, ["n0", `r${domid}`]);
}
