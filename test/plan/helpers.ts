import { afterAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import type { Host, RootedFs } from "../../src/host/types.ts";
import type { Change, Plan } from "../../src/plan/change.ts";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

export function tempDir(prefix = "tether-plan-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export type RealEntry = string | Uint8Array | { symlink: string } | { dir: true };

/** A temp --root holding `files` (paths inside the root). */
export function tempRoot(files: Record<string, RealEntry> = {}): string {
  const root = tempDir("tether-root-");
  for (const [path, entry] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof entry === "string" || entry instanceof Uint8Array) writeFileSync(full, entry);
    else if ("symlink" in entry) symlinkSync(entry.symlink, full);
    else mkdirSync(full, { recursive: true });
  }
  return root;
}

/** A real host on `root` whose every log line (at trace level) is kept, to prove what never reaches a log. */
export async function realHost(root: string): Promise<Host & { logs: string[] }> {
  const logs: string[] = [];
  const log = createLogger({ level: "trace", json: false, write: (line) => void logs.push(line) });
  const host = await createRealHost({ root, log });
  return Object.assign(host, { logs });
}

export function plan(steps: [string, Change[]][], instanceId = "iid-1"): Plan {
  return { instanceId, steps: steps.map(([action, changes]) => ({ action, changes })) };
}

/**
 * The tree under `dir` as path → "type mode uid:gid content": what two runs must agree on. Paths in
 * `skip` are listed without their content (the journal holds times).
 */
export async function treeOf(fs: RootedFs, dir = "/", skip: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(path: string): Promise<void> {
    for (const name of await fs.list(path)) {
      const child = `${path === "/" ? "" : path}/${name}`;
      const st = await fs.lstat(child);
      if (!st) continue;
      const head = `${st.type} ${st.mode.toString(8)} ${st.uid}:${st.gid}`;
      if (st.type === "dir") {
        out[child] = head;
        await walk(child);
      } else if (st.type === "symlink") out[child] = `${head} -> ${await fs.readlink(child)}`;
      else out[child] = skip.includes(child) ? head : `${head} ${new TextDecoder().decode(await fs.readFile(child))}`;
    }
  }
  await walk(dir);
  return out;
}

export class Killed extends Error {
  constructor() {
    super("killed (injected)");
  }
}

const MUTATORS = ["writeFile", "mkdir", "rename", "remove", "chmod", "chown"] as const;

/**
 * A file system that dies at its `killAt`-th change (1-based): a write dies half done, leaving a
 * partial file, as a kill during write(2) would; every call after that fails too, as in a dead
 * process. `killAt` 0 never dies; `count()` tells how many changes were made.
 */
export function dyingFs(fs: RootedFs, killAt: number): RootedFs & { count(): number } {
  let n = 0;
  let dead = false;
  const wrapped = { ...fs, count: () => n } as RootedFs & { count(): number };
  for (const name of MUTATORS) {
    const original = fs[name] as (...args: unknown[]) => Promise<void>;
    (wrapped as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      if (dead) throw new Killed();
      n++;
      if (n === killAt) {
        dead = true;
        if (name === "writeFile") {
          const [path, data, options] = args as [string, string | Uint8Array, { mode: number }];
          const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
          await fs.writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)), options);
        }
        throw new Killed();
      }
      return original(...args);
    };
  }
  for (const name of ["stat", "lstat", "exists", "readFile", "readText", "list", "readlink", "realPath", "readRange"] as const) {
    const original = fs[name] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => (dead ? Promise.reject(new Killed()) : original(...args));
  }
  return wrapped;
}

export function withFs<H extends Host>(host: H, fs: RootedFs): H {
  return { ...host, fs } as H;
}
