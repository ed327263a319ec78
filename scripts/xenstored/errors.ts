/**
 * A request that xenstored refuses: the connection gets an ERROR frame whose payload is this errno
 * name. Thrown from anywhere under a request handler, so the handlers read straight-line.
 */
export type Errno = "EINVAL" | "EACCES" | "EEXIST" | "ENOENT" | "EAGAIN" | "E2BIG" | "EBUSY" | "ENOSYS" | "EISDIR" | "ENOSPC";

export class XsError extends Error {
  constructor(readonly errno: Errno) {
    super(errno);
  }
}
