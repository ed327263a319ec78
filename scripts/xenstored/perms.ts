import { XsError } from "./errors.ts";

/**
 * XenStore permissions are strings `<letter><domid>`: the first names the owner (its letter being
 * what everyone else may do), the rest grant domains r(ead), w(rite), b(oth) or n(one).
 */
const PERM = /^[rwbn]\d+$/;

export const ROOT_PERMS: readonly string[] = ["n0"];

export function checkPerms(perms: readonly string[]): string[] {
  if (perms.length === 0 || !perms.every((p) => PERM.test(p))) throw new XsError("EINVAL");
  return [...perms];
}

/**
 * What a new node gets: its parent's list, as xenstored copies it, except that a guest creating a
 * node becomes its owner (dom0's creations keep the parent's owner).
 */
export function inheritPerms(parent: readonly string[], creator: number): string[] {
  const perms = [...parent];
  if (creator !== 0 && perms[0] !== undefined) perms[0] = `${perms[0][0]}${creator}`;
  return perms;
}
