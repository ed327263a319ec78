import type { ConsolaInstance } from "consola/core";
import type { $Fetch } from "ofetch";
import type { ByteStream } from "./byte-stream.ts";

export type { ByteStream } from "./byte-stream.ts";

export type FileType = "file" | "dir" | "symlink" | "block" | "char" | "fifo" | "socket";

export interface FileStat {
  type: FileType;
  size: number;
  /** Permission bits only (e.g. 0o644). */
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

export interface WriteOptions {
  /** Permission bits of the file; applied exactly, whatever the umask. */
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * The file system seen from `root`. Every path is absolute *inside* the root; symlinks are resolved
 * as a chroot would, so nothing reached through this object lies outside the root.
 */
export interface RootedFs {
  readonly root: string;
  /** The real path on the machine for a path inside the root (symlinks resolved within the root). */
  realPath(path: string): Promise<string>;
  stat(path: string): Promise<FileStat | null>;
  /** Like stat but does not follow a final symlink. */
  lstat(path: string): Promise<FileStat | null>;
  exists(path: string): Promise<boolean>;
  readFile(path: string): Promise<Uint8Array>;
  readText(path: string): Promise<string>;
  /** `length` bytes from `offset` (fewer at the end of the file): for block devices and images. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  list(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  /** Creates or truncates, writes, fsyncs. A final symlink is never followed. */
  writeFile(path: string, data: string | Uint8Array, options: WriteOptions): Promise<void>;
  mkdir(path: string, options: { mode: number; recursive?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
}

export interface RunOptions {
  input?: string | Uint8Array;
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the program after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type Platform = "linux" | "win32";

/** Everything outside the process. Only src/host/ implements it; every other layer receives one. */
export interface Host {
  readonly root: string;
  readonly fs: RootedFs;
  /** Runs a program with an argv array: no shell ever sees the arguments. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  readonly http: $Fetch;
  /** Opens a unix socket or a character device (xenbus, a virtio-serial port) inside the root. */
  openStream(path: string): Promise<ByteStream>;
  readonly platform: Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  readonly log: ConsolaInstance;
  /**
   * Takes a machine-wide lock named by a path inside the root (e.g. /run/tether/daemon.lock),
   * held until released or the process ends; throws a HostError when another process holds it.
   */
  lock(path: string): Promise<HostLock>;
}

export interface HostLock {
  release(): void;
}
