import { XsError } from "./errors.ts";

/** From xs_wire.h: XENSTORE_ABS_PATH_MAX and XENSTORE_REL_PATH_MAX. */
export const ABS_PATH_MAX = 3072;
export const REL_PATH_MAX = 2048;

/** The watch-only names xenstored accepts; they fire on domain introduction/release, which never happens here. */
export const SPECIAL_WATCHES = new Set(["@introduceDomain", "@releaseDomain"]);

// xenstored's valid_chars(): anything else (spaces, dots, non-ASCII) is EINVAL.
const VALID = /^[A-Za-z0-9\-/_@]+$/;

export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/**
 * A path as a client sent it → the absolute node path. Relative paths hang off the connection's
 * home, as xenstored's canonicalize() does; the checks are its is_valid_nodename() ones, applied to
 * the result so that a relative name cannot smuggle in `//` or a trailing `/`.
 */
export function resolvePath(raw: string, home: string): string {
  const relative = !raw.startsWith("/");
  if (raw === "" || raw.startsWith("@")) throw new XsError("EINVAL");
  if (relative && raw.length > REL_PATH_MAX) throw new XsError("EINVAL");
  const path = relative ? `${home}/${raw}` : raw;
  if (path.length > ABS_PATH_MAX) throw new XsError("EINVAL");
  if (!VALID.test(path) || path.includes("//") || (path.length > 1 && path.endsWith("/"))) throw new XsError("EINVAL");
  return path;
}

export function isRelative(raw: string): boolean {
  return !raw.startsWith("/") && !raw.startsWith("@");
}

/** True when `path` is `base` or lies below it. */
export function isWithin(path: string, base: string): boolean {
  return path === base || base === "/" || path.startsWith(`${base}/`);
}

export function parentOf(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** An absolute path as a relative watcher sees it: the home prefix goes (the home itself becomes ""). */
export function relativeTo(path: string, home: string): string {
  if (path === home) return "";
  return path.startsWith(`${home}/`) ? path.slice(home.length + 1) : path;
}
