import { InputError } from "../../errors.ts";

/** Stops planning: nothing is applied when one field is unusable. */
export function refuse(source: string, path: string, message: string): never {
  throw new InputError(source, [{ path, message }]);
}

const show = (value: string) => JSON.stringify(value);

/**
 * User and group names as shadow's tools, busybox and sudoers all take them: no ':' (the passwd
 * separator), ',' (group member lists), white space or newline; not all digits (it would read as
 * an id); a leading '-' would read as an option.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$|^[A-Za-z_][A-Za-z0-9_.-]{0,30}\$$/;

export function checkName(name: string, source: string, path: string, what: "user" | "group"): string {
  if (!NAME.test(name)) {
    refuse(source, path, `expected a ${what} name (letters, digits, _ . -, starting with a letter or _, at most 32), got ${show(name)}`);
  }
  return name;
}

/**
 * The longest passwd field taken (PATH_MAX, for homes and shells). Longer is no account's: as an
 * argument to useradd it fails the boot half-way (E2BIG past 128 KiB) and floods every log line.
 */
export const FIELD_MAX_CHARS = 4096;

/** A passwd/shadow field: one line, and no ':' (which would start the next field). */
export function checkField(value: string, source: string, path: string): string {
  if (value.length > FIELD_MAX_CHARS) refuse(source, path, `at most ${FIELD_MAX_CHARS} characters, got ${value.length}`);
  if (/[:\n\r\0]/.test(value)) refuse(source, path, `must not contain ':', a newline or NUL (it is a field of /etc/passwd or /etc/shadow), got ${show(value)}`);
  return value;
}

/** An absolute, normalized path that also fits in a passwd field. */
export function checkPath(value: string, source: string, path: string): string {
  checkField(value, source, path);
  const parts = value.split("/").slice(1);
  if (!value.startsWith("/") || value === "/" || parts.some((p) => p === "" || p === "." || p === "..")) {
    refuse(source, path, `expected an absolute path such as /home/alice (no trailing /, . or ..), got ${show(value)}`);
  }
  return value;
}
