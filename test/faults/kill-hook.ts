/**
 * Loaded with `bun --preload` into an agent process started by the fault tests, never by the agent
 * itself: nothing in src/ knows it exists, so a production binary cannot be stopped by it.
 *
 * It wraps every call of node:fs/promises that changes the disk (the only way src/host/real-fs.ts
 * changes it) and numbers them from 1:
 * - TETHER_FAULT_LOG=FILE appends "N op path" for each one, so a clean run lists the kill points;
 * - TETHER_FAULT_KILL_AT=N sends the process SIGKILL just before change N. A file's content write
 *   is cut in half first, as a kill in the middle of write(2) would leave it.
 * - TETHER_FAULT_PAUSE_ON=TEXT with TETHER_FAULT_PAUSE_FILE=FILE: at the first change whose path
 *   holds TEXT, writes FILE and waits (the event loop running) until the test removes it: a
 *   command held in flight while the test breaks its transport.
 * Killing before change N is the same as killing after change N-1, so kill points 1..count cover
 * every state the disk can be left in between two changes.
 */
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";

// require(), not import: the agent's `import * as fsp` sees properties set on this object.
const fsp = require("node:fs/promises") as Record<string, unknown> & { open: typeof import("node:fs/promises").open };

const killAt = Number(process.env.TETHER_FAULT_KILL_AT ?? "0");
const logFile = process.env.TETHER_FAULT_LOG;
const pauseOn = process.env.TETHER_FAULT_PAUSE_ON;
const pauseFile = process.env.TETHER_FAULT_PAUSE_FILE;
let paused = false;
let count = 0;

function die(): never {
  process.kill(process.pid, "SIGKILL");
  // SIGKILL is delivered before kill(2) returns to a process signalling itself; never reached.
  throw new Error("SIGKILL was not delivered");
}

/** Numbers a change (after a pause, if it is the one to pause at); true when it is the one to die at. */
async function change(op: string, path: unknown): Promise<boolean> {
  const n = ++count;
  if (logFile) appendFileSync(logFile, `${n} ${op} ${String(path)}\n`);
  if (pauseOn && pauseFile && !paused && String(path).includes(pauseOn)) {
    paused = true;
    writeFileSync(pauseFile, `${n} ${op} ${String(path)}\n`);
    while (existsSync(pauseFile)) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return n === killAt;
}

function wrap(name: "mkdir" | "rename" | "rm" | "chmod" | "lchown" | "unlink" | "writeFile"): void {
  const original = fsp[name] as (...args: unknown[]) => Promise<unknown>;
  fsp[name] = async (...args: unknown[]) => {
    if (await change(name, args[0])) die();
    return original(...args);
  };
}
for (const name of ["mkdir", "rename", "rm", "chmod", "lchown", "unlink", "writeFile"] as const) wrap(name);

const WRITE_FLAGS = /[wa+]/;
const openOriginal = fsp.open;
fsp.open = (async (path: string, flags?: string | number, mode?: number) => {
  const writes = typeof flags === "number" ? (flags & 3) !== 0 : WRITE_FLAGS.test(flags ?? "r");
  if (writes && (await change("create", path))) die();
  const handle = await openOriginal(path, flags as number, mode);
  return writes ? watched(handle, String(path)) : handle;
}) as typeof fsp.open;

/** A handle opened for writing: its content write, chown, chmod and fsync are changes too. */
function watched(handle: FileHandle, path: string): FileHandle {
  const h = handle as FileHandle & Record<string, unknown>;
  const writeFile = handle.writeFile.bind(handle);
  h.writeFile = async (data: string | Uint8Array) => {
    if (await change("write", path)) {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      await writeFile(bytes.subarray(0, Math.floor(bytes.length / 2)));
      await handle.sync();
      die();
    }
    return writeFile(data);
  };
  for (const name of ["chown", "chmod", "sync"] as const) {
    const original = (handle[name] as (...args: unknown[]) => Promise<void>).bind(handle);
    h[name] = async (...args: unknown[]) => {
      if (await change(`f${name}`, path)) die();
      return original(...args);
    };
  }
  return handle;
}
