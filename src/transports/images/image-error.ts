import { InputError } from "../../errors.ts";

/**
 * An image's fault, named the way the operator can find it: `device` or `device:/path/inside`, and
 * the on-disk structure that was wrong ("primary volume descriptor", "FAT", "directory entry").
 */
export function imageError(device: string, insidePath: string | undefined, structure: string, message: string): InputError {
  return new InputError(insidePath === undefined ? device : `${device}:${insidePath}`, [{ path: structure, message }]);
}
