import type { ConsolaInstance } from "consola";
import { ofetch } from "ofetch";
import { realpathSync, statSync } from "node:fs";
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
export function checkedRoot(dir: string, flag = "--root"): string {
  let real: string;
  try {
    real = realpathSync(resolve(dir));
  } catch {
    throw new UsageError(`${flag} ${dir}: no such directory`);
  }
  if (!statSync(real).isDirectory()) throw new UsageError(`${flag} ${dir}: not a directory`);
  return real;
}

export function createRealHost(options: RealHostOptions): Host {
  const root = options.root === "/" ? "/" : checkedRoot(options.root);
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
