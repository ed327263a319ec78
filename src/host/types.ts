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
  /** Kill the program, and every process it started, after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /**
   * The program exited, but something it started (a daemon) still held its output: left running,
   * its output no longer read. Absent otherwise.
   */
  outputHeld?: true;
}

export type Platform = "linux" | "win32";

/** A program started in the background (QGA guest-exec): its pid now, its outcome later. */
export interface StartedProgram {
  pid: number;
  /**
   * Settles once the program has exited and its output pipes are closed (as qemu-ga reports
   * `exited`), never rejects. `signal` is the number of the signal that killed it (9), code null
   * then. Output is captured only when asked for; else both are empty.
   */
  done: Promise<{ code: number | null; signal: number | null; stdout: Uint8Array; stderr: Uint8Array }>;
}

export interface StartOptions {
  /** Bytes for stdin; without it, stdin is /dev/null. */
  input?: Uint8Array;
  /**
   * Extra environment entries, "NAME=value" as QGA sends them, over the base
   * PATH=/usr/sbin:/usr/bin:/sbin:/bin and LANG=C.UTF-8 (a later entry wins). An entry without "=",
   * with an empty name or with a NUL byte makes start() throw a HostError.
   */
  env?: string[];
  captureOutput?: boolean;
  /**
   * Output kept per stream at most (default 16 MiB); the rest is read and dropped, so the program
   * never blocks on a full pipe. A stream of exactly this length may have been cut.
   */
  maxOutputBytes?: number;
}

/** An open file for QGA's guest-file-* commands: positioned reads and writes, like stdio's FILE. */
export interface OpenFile {
  /**
   * Up to `count` bytes from the current position; eof when the read came up short (as feof after
   * fread: a read ending exactly at the end is not eof yet). A device or a FIFO with nothing to give
   * just now returns no bytes and eof false.
   */
  read(count: number): Promise<{ bytes: Uint8Array; eof: boolean }>;
  /** Writes at the current position (the end, for append modes); returns the count written. */
  write(bytes: Uint8Array): Promise<number>;
  /** whence 0 = SEEK_SET, 1 = SEEK_CUR, 2 = SEEK_END; returns the new position. Not on devices. */
  seek(offset: number, whence: 0 | 1 | 2): Promise<number>;
  /** Nothing is buffered in the agent: flush syncs the file's data to disk. */
  flush(): Promise<void>;
  /** After close every other call is a HostError; a second close does nothing. */
  close(): Promise<void>;
}

export interface NetworkInterfaceInfo {
  name: string;
  /** "aa:bb:cc:dd:ee:ff", absent for interfaces without one. */
  mac?: string;
  addresses: { address: string; family: "ipv4" | "ipv6"; prefix: number }[];
}

/** The running system itself (not the --root tree): what the kernel says about it. */
export interface SystemInfo {
  hostname(): string;
  /** uname(2): release ("6.1.0-18-amd64"), version ("#1 SMP PREEMPT_DYNAMIC …"), machine ("x86_64"). */
  uname(): { release: string; version: string; machine: string };
  networkInterfaces(): NetworkInterfaceInfo[];
}

/** A listening unix socket: every accepted connection as a ByteStream. */
export interface Listener {
  /** Stops accepting and removes the socket file; connections already accepted stay open. */
  close(): void;
}

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
   * held until released or the process ends (a kill -9 included); throws a LockHeldError, naming
   * what the holder said of itself, when another live process holds it. Never waits.
   */
  lock(path: string, options?: LockOptions): Promise<HostLock>;
  /**
   * Starts a program without waiting for it (argv, never a shell; cwd "/"). A program that cannot
   * be started (missing, not executable) is a HostError thrown here, as qemu-ga's guest-exec fails.
   */
  start(argv: readonly string[], options?: StartOptions): StartedProgram;
  /**
   * Opens a file inside the root with fopen(3)'s modes ("r", "r+", "w", "w+", "a", "a+", with an
   * optional "b"); anything else is a HostError. "r"/"r+" follow symlinks inside the root; "w", "w+",
   * "a", "a+" never follow a final symlink (a HostError: "… is a symlink: refused"). A file created
   * here is 0600 whatever the umask; an existing one keeps its mode. Directories are refused.
   */
  openFile(path: string, mode: string): Promise<OpenFile>;
  /**
   * Listens on a unix socket at a path inside the root (the parent made 0755 if missing), the socket
   * made 0600: whoever can connect can run commands as root. A stale socket file is replaced; a live
   * one, or a file that is not a socket, is refused and left alone.
   */
  listen(path: string, onConnection: (stream: ByteStream) => void): Promise<Listener>;
  readonly system: SystemInfo;
  /**
   * Windows only: a mounted volume by its drive letter ("D:"), as a tree rooted at the volume: a
   * config drive Windows has mounted itself is read through it. A HostError for a letter that is
   * not a drive.
   */
  openDrive?(letter: string): Promise<RootedFs>;
}

export interface LockOptions {
  /** Who holds it, in a line: told to any process that finds the lock held, for its message. */
  holder?: string;
}

export interface HostLock {
  release(): void;
}
