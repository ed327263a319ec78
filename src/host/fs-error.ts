import { HostError } from "../errors.ts";
import { PathError } from "./resolve-in-root.ts";

/** A file-system failure, named by the path inside the root (what the operator wrote), not the host path. */
export class FsError extends HostError {
  constructor(
    readonly code: string,
    readonly op: string,
    readonly path: string,
  ) {
    super(`${op} ${path}: ${describe(code)}`);
  }
}

const descriptions: Record<string, string> = {
  ENOENT: "no such file or directory",
  EEXIST: "already exists",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links, or a symlink where none is allowed",
  ENOTEMPTY: "directory not empty",
  ENOSPC: "no space left on device",
  EROFS: "read-only file system",
  EINVAL: "invalid path",
  EXDEV: "cross-device rename",
};

function describe(code: string): string {
  return descriptions[code] ?? code;
}

export function toFsError(error: unknown, op: string, path: string): FsError {
  if (error instanceof FsError) return error;
  if (error instanceof PathError) return new FsError(error.code, op, path);
  const code = (error as { code?: unknown })?.code;
  if (code === "ERR_FS_EISDIR") return new FsError("EISDIR", op, path);
  return new FsError(typeof code === "string" ? code : String(error), op, path);
}
