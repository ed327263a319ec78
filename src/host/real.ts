import type { ConsolaInstance } from "consola/core";
import { ofetch } from "ofetch";
import { realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { createRealFs } from "./real-fs.ts";
import { runProgram } from "./real-run.ts";
import { sleep } from "./sleep.ts";
import type { Host, Platform } from "./types.ts";

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

export async function createRealHost(options: RealHostOptions): Promise<Host> {
  const root = options.root === "/" ? "/" : await checkedRoot(options.root);
  return {
    root,
    fs: createRealFs(root),
    run: runProgram,
    // No retries by default: every caller states its own retry and timeout budget.
    http: ofetch.create({ retry: 0 }),
    platform: platformOf(process.platform),
    env: process.env,
    now: () => Date.now(),
    sleep,
    log: options.log,
  };
}
