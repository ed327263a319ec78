/**
 * What the hostile-data tests share: a case directory holding a target --root, a seed, and a
 * sentinel directory beside the root (outside it) that every hostile path aims at; a snapshot of
 * that sentinel to prove nothing outside the target was touched; and boots from source.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { MAIN, REPO, runAgent, type AgentRun } from "../helpers/run-agent.ts";

const temps: string[] = [];
/** An afterAll's time: removing dozens of case trees on a loaded CI disk takes longer than bun's 5 s. */
export const CLEANUP_MS = 60_000;
/** For each test file's afterAll. */
export function cleanCases(): void {
  temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
}

export interface Case {
  /** Holds root/, outside/ and seed/: `root/../outside` is the sentinel, as a `..` that escaped would reach it. */
  dir: string;
  root: string;
  outside: string;
  seed: string;
  /** Writes files into the seed (path → content). */
  seedFiles(files: Record<string, string | Uint8Array>): void;
  /** Writes files into the root. */
  rootFiles(files: Record<string, string | Uint8Array>): void;
  /** A symlink inside the root: `at` (inside) → `target` as written. */
  link(at: string, target: string): void;
}

/**
 * A fresh case: a Debian-like root (examples/target-root.ts), an empty seed, and the sentinel:
 * files an attacker would want (a cron.d, a shadow, a key file), a nested directory and a link.
 */
export function newCase(): Case {
  const dir = mkdtempSync(join(tmpdir(), "tether-hostile-"));
  temps.push(dir);
  const root = join(dir, "root");
  const outside = join(dir, "outside");
  const seed = join(dir, "seed");
  makeTargetRoot(root);
  mkdirSync(seed);
  writeTree(outside, {
    keep: "sentinel: must never change\n",
    shadow: "root:*:19000:0:99999:7:::\n",
    "cron.d/daily": "0 0 * * * root true\n",
    ".ssh/authorized_keys": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISentinelSentinelSentinelSentinel0 sentinel\n",
  });
  symlinkSync("keep", join(outside, "keep-link"));
  return {
    dir,
    root,
    outside,
    seed,
    seedFiles: (files) => writeTree(seed, files),
    rootFiles: (files) => writeTree(root, files),
    link(at, target) {
      const path = join(root, at);
      mkdirSync(dirname(path), { recursive: true });
      rmSync(path, { recursive: true, force: true });
      symlinkSync(target, path);
    },
  };
}

function writeTree(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/**
 * Every entry under `dir` (itself included): type, mode, owner, size, mtime, a content digest, a
 * link's target. Equal snapshots mean nothing there was created, removed, written, chmod'ed or
 * chown'ed.
 */
export function snapshot(dir: string, skip?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (path: string) => {
    if (path === skip) return;
    const s = lstatSync(path);
    const key = path.slice(dir.length) || "/";
    let what = `mode=${s.mode.toString(8)} uid=${s.uid} gid=${s.gid} size=${s.size} mtime=${s.mtimeMs}`;
    if (s.isSymbolicLink()) what += ` -> ${readlinkSync(path)}`;
    // A gigabyte sparse seed file is not read whole: its size and mtime show any write to it.
    else if (s.isFile() && s.size <= 64 << 20) what += ` sha256=${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
    out[key] = what;
    if (s.isDirectory()) for (const name of readdirSync(path).sort()) visit(join(path, name));
  };
  visit(dir);
  return out;
}

/**
 * Everything of the case but the target root: the sentinel, the seed (read, never written) and the
 * case directory itself, where `root/..` lands. The root's own entry is left out too: its mtime
 * moves when the boot creates a top-level entry inside it, which is the target's business.
 */
export const outsideOf = (c: Case) => snapshot(c.dir, c.root);

export interface Boot extends AgentRun {
  /** stdout as JSON (--json): the result, or `{ error }`. */
  json: any;
  ms: number;
}

/** `agent boot --seed SEED --root ROOT --json` from source. */
export async function bootSeed(c: Case, extra: string[] = []): Promise<Boot> {
  const started = performance.now();
  const run = await runAgent(["boot", "--seed", c.seed, "--root", c.root, "--json", ...extra]);
  return { ...run, json: parseOrNull(run.stdout), ms: performance.now() - started };
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A user-data-only NoCloud seed: meta-data with an instance id, and this user-data. */
export function userDataCase(userData: string | Uint8Array, meta = "instance-id: i-hostile\n"): Case {
  const c = newCase();
  c.seedFiles({ "meta-data": meta, "user-data": userData });
  return c;
}

/** A config-drive tree as the seed: openstack/latest/meta_data.json and the files it names. */
export function configDriveCase(meta: Record<string, unknown>, files: Record<string, string> = {}): Case {
  const c = newCase();
  c.seedFiles({ "openstack/latest/meta_data.json": JSON.stringify({ uuid: "cd-hostile", ...meta }), ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`openstack/${k}`, v])) });
  return c;
}

/** The failed steps of a boot's --json result, as "action kind target: message". */
export function failedSteps(boot: Boot): string[] {
  return (boot.json?.steps ?? []).filter((s: { status: string }) => s.status === "failed").map((s: { action: string; kind: string; target: string; message: string }) => `${s.action} ${s.kind} ${s.target}: ${s.message}`);
}

/** Runs `tasks` at most `limit` at a time: many CLI runs without starving a small CI machine. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident memory of the agent, in bytes (getrusage's maxrss, through peak-rss.ts). */
  maxRss: number;
}

const PEAK_RSS = join(import.meta.dir, "peak-rss.ts");

/**
 * `agent ARGS` from source, timed, its peak memory read from the kernel at its exit. With
 * HOSTILE_FIGURES=1 each run prints a line of figures (test/hostile/README.md quotes them).
 */
export async function measured(args: string[]): Promise<Measured> {
  const started = performance.now();
  const child = Bun.spawn([process.execPath, PEAK_RSS, process.execPath, MAIN, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, all, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const ms = performance.now() - started;
  const peak = /peak-rss: (-?\d+)\n$/.exec(all);
  const maxRss = peak ? Number(peak[1]) : Number.NaN;
  const stderr = peak ? all.slice(0, peak.index) : all;
  if (process.env.HOSTILE_FIGURES) console.log(`figure: ${args.slice(0, 2).join(" ")} … → exit ${code} in ${Math.round(ms)} ms, peak RSS ${Math.round(maxRss / (1 << 20))} MiB: ${stderr.trim().split("\n").pop()}`);
  return { code, stdout, stderr, ms, maxRss };
}
