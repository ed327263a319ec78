import type { ConsolaInstance } from "consola/core";
import { ofetch } from "ofetch";
import { realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { HostError, UsageError } from "../errors.ts";
import { createRealFs } from "./real-fs.ts";
import { runProgram } from "./real-run.ts";
import { sleep } from "./sleep.ts";
import { connectUnix, openDevice } from "./real-stream.ts";
import { acquirePipeLock, acquireSocketLock } from "./lock.ts";
import { startProgram } from "./real-start.ts";
import { openRealFile } from "./real-open-file.ts";
import { listenUnix } from "./real-listen.ts";
import { realSystem } from "./real-system.ts";
import type { ByteStream, Host, Platform, RootedFs } from "./types.ts";

export interface RealHostOptions {
  /** "/" for the running system, or a directory holding a target system (an image, a test tree). */
  root: string;
  log: ConsolaInstance;
}

function platformOf(name: string): Platform {
  return name === "win32" ? "win32" : "linux";
}

/** A directory named on the command line must exist: a typo in --root must not become a fresh tree. */
export async function checkedRoot(dir: string, flag = "--root"): Promise<string> {
  let real: string;
  try {
    real = await realpath(resolve(dir));
  } catch {
    throw new UsageError(`${flag} ${dir}: no such directory`);
  }
  if (!(await stat(real)).isDirectory()) throw new UsageError(`${flag} ${dir}: not a directory`);
  return real;
}

async function openStreamIn(fs: RootedFs, path: string): Promise<ByteStream> {
  // A Windows device name (\\.\Global\org.qemu.guest_agent.0) is no file: it is opened as it is.
  if (process.platform === "win32" && path.startsWith("\\\\.\\")) return openDevice(path, path);
  const stat = await fs.stat(path);
  if (!stat) throw new HostError(`open ${path}: no such file or directory`);
  const hostPath = await fs.realPath(path);
  if (stat.type === "socket") return connectUnix(hostPath, path);
  if (stat.type === "char") return openDevice(hostPath, path);
  throw new HostError(`open ${path}: a ${stat.type}, not a socket or a character device`);
}

export async function createRealHost(options: RealHostOptions): Promise<Host> {
  const root = options.root === "/" ? "/" : await checkedRoot(options.root);
  const fs = createRealFs(root);
  return {
    root,
    fs,
    openStream: (path) => openStreamIn(fs, path),
    run: runProgram,
    // No retries by default: every caller states its own retry and timeout budget.
    http: ofetch.create({ retry: 0 }),
    platform: platformOf(process.platform),
    env: process.env,
    now: () => Date.now(),
    sleep,
    log: options.log,
    // The lock's directory may not exist yet (/run/tether): resolve the parent inside the root.
    lock: async (path, lockOptions = {}) =>
      process.platform === "win32"
        ? acquirePipeLock(path, root, lockOptions.holder)
        : acquireSocketLock(`${await fs.realPath(path.slice(0, path.lastIndexOf("/")) || "/")}/${path.slice(path.lastIndexOf("/") + 1)}`, path, lockOptions.holder),
    start: startProgram,
    openFile: (path, mode) => openRealFile(fs, path, mode),
    listen: (path, onConnection) =>
      listenUnix(fs, path, onConnection, (error) => options.log.error(`listen ${path}: a connection's handler failed: ${(error as Error).message ?? error}`)),
    system: realSystem,
    ...(process.platform === "win32" ? { openDrive } : {}),
  };
}

async function openDrive(letter: string): Promise<RootedFs> {
  if (!/^[A-Za-z]:$/.test(letter)) throw new HostError(`${JSON.stringify(letter)}: expected a drive letter such as D:`);
  const root = `${letter.toUpperCase()}/`;
  if (!(await stat(root).catch(() => null))?.isDirectory()) throw new HostError(`${letter} is not a mounted volume`);
  return createRealFs(root);
}
