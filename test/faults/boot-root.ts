import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { recordAgentOutput } from "../helpers/output-log.ts";
import { assertStaysLocal, MAIN, REPO, type AgentRun } from "../helpers/run-agent.ts";

export const SEED = resolve(REPO, "examples/nocloud");
export const HOOK = resolve(import.meta.dir, "kill-hook.ts");
export const STATE = "/var/lib/tether";

const temps: string[] = [];
/** Removes every root made here; call from afterAll. */
export function removeRoots(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh small Debian-like target (examples/target-root.ts) in a temp dir, or in `parent`. */
export function freshRoot(parent = tmpdir()): string {
  const root = mkdtempSync(join(parent, "tether-fault-"));
  temps.push(root);
  makeTargetRoot(root);
  return root;
}

export interface Boot extends AgentRun {
  /** The signal that ended it ("SIGKILL"), or null for a normal exit. */
  signal: string | null;
}

/** `agent boot --seed examples/nocloud --root ROOT` from source; with `killAt`, SIGKILLed before that disk change. */
export async function boot(root: string, options: { killAt?: number; log?: string; seed?: string; argv0?: string[] } = {}): Promise<Boot> {
  const args = ["boot", "--seed", options.seed ?? SEED, "--root", root];
  assertStaysLocal(args);
  const hooked = options.killAt !== undefined || options.log !== undefined;
  const argv = options.argv0 ?? [process.execPath, ...(hooked ? ["--preload", HOOK] : []), MAIN];
  const env: Record<string, string> = {};
  if (options.killAt !== undefined) env.TETHER_FAULT_KILL_AT = String(options.killAt);
  if (options.log !== undefined) env.TETHER_FAULT_LOG = options.log;
  const child = Bun.spawn([...argv, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  recordAgentOutput(args, stdout, stderr);
  return { code, stdout, stderr, signal: child.signalCode === null ? null : String(child.signalCode) };
}

/**
 * What a boot's result is, as "type mode uid:gid content" per path: what a killed-then-rerun boot
 * must agree on with a clean one. Only what legitimately differs between two runs is normalised:
 * times in the agent's own records and the final message, and shadow's "last changed" day (a run
 * across midnight), shadow-utils' own backups and the final message's (see below). The journal and last-run.json are compared separately (they describe the run,
 * not the machine).
 */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = `${rel}/${name}`;
      const st = lstatSync(join(root, path));
      const head = `${st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFile() ? "file" : st.isSocket() ? "socket" : "other"} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (!st.isDirectory() && !st.isSymbolicLink() && !st.isFile()) out[path] = head;
      else if (st.isDirectory()) {
        out[path] = head;
        walk(path);
      } else if (st.isSymbolicLink()) out[path] = `${head} -> ${readlinkSync(join(root, path))}`;
      else if (SHADOW_BACKUP.test(path)) out[path] = head;
      else if (path === FINAL_BAK) {
        // Every boot rewrites the final message (it holds the time): a second boot keeps the first's as a backup.
        const text = readFileSync(join(root, path), "latin1");
        if (!/^tether \S+ finished at /.test(text)) out[path] = `${head} not a final message: ${text}`;
      } else out[path] = `${head} ${normalised(path, readFileSync(join(root, path), "latin1"))}`;
    }
  };
  walk("");
  return out;
}

/**
 * shadow-utils' own copy of the previous version, rewritten by every useradd/usermod: a rerun's
 * (idempotent) `usermod -L` rewrites it with what the killed run had already added.
 */
const SHADOW_BACKUP = /^\/etc\/(passwd|group|shadow|gshadow)-$/;
const FINAL_BAK = `${STATE}/final-message.tether-bak`;

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g;

function normalised(path: string, text: string): string {
  if (path === `${STATE}/journal.json` || path === `${STATE}/last-run.json`) return "(compared separately)";
  if (path === `${STATE}/final-message`) return text.replace(/finished at [^.]*\./, "finished at T.");
  if (path.startsWith(`${STATE}/instances/`) && path.endsWith("/done.json")) {
    // done.json: which actions are done and how they ended; not when, nor how long they took.
    try {
      const done = JSON.parse(text) as { actions: Record<string, { result: string }> };
      return JSON.stringify({ ...done, actions: Object.fromEntries(Object.entries(done.actions).map(([k, v]) => [k, v.result])) });
    } catch {
      return `not JSON: ${text}`;
    }
  }
  if (/^\/etc\/(shadow|gshadow)-?$/.test(path)) return text.replace(/^([^:\n]*:[^:\n]*:)\d+:/gm, "$1D:");
  return text.replace(ISO_TIME, "T");
}

/** Paths in a snapshot that are apply's temp files: never allowed to outlive a run that finished. */
export const tempsIn = (tree: Record<string, string>) => Object.keys(tree).filter((p) => p.endsWith(".tether-tmp"));

export function readJsonIn<T>(root: string, path: string): T | null {
  try {
    return JSON.parse(readFileSync(join(root, path), "utf8")) as T;
  } catch {
    return null;
  }
}

/**
 * A directory is made (its mode at most the planned one), then chmod-ed, then chown-ed: killed in
 * between, it is root's, which gives nobody more than planned, and the next boot gives it its
 * owner (the convergence check proves that). The one window apply leaves open on purpose.
 */
function ownerPending(entry: string, planned: string | undefined): boolean {
  const got = /^dir ([0-7]+) 0:0$/.exec(entry);
  const want = planned && /^dir ([0-7]+) \d+:\d+$/.exec(planned);
  return !!got && !!want && (parseInt(got[1] as string, 8) & ~parseInt(want[1] as string, 8)) === 0;
}

/** The account databases: useradd adds one user at a time, so a run stopped between two is neither before nor after. */
const ACCOUNT_DB = /^\/etc\/(passwd|group|shadow|gshadow)$/;

/**
 * Paths in `tree` that are half-done: a file that is neither as it was (`before`) nor as the boot
 * means it (`clean`), or a backup that is not the clean run's. Temp files and the agent's own
 * records are left to the caller; the account databases may hold some of the users.
 */
export function halfDone(tree: Record<string, string>, before: Record<string, string>, clean: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(tree)) {
    // The boot lock is a socket: a killed holder's is taken over by the next run (src/host/lock.ts).
    if (path.endsWith(".tether-tmp") || path.startsWith(`${STATE}/`) || path.startsWith("/run/tether/") || ACCOUNT_DB.test(path)) continue;
    if (path.endsWith(".tether-bak")) {
      if (entry !== clean[path]) problems.push(`${path}: backup ${JSON.stringify(entry)}, a clean run's is ${JSON.stringify(clean[path])}`);
    } else if (entry !== before[path] && entry !== clean[path] && !ownerPending(entry, clean[path])) {
      problems.push(`${path}: ${JSON.stringify(entry)}, neither the previous ${JSON.stringify(before[path])} nor the clean run's ${JSON.stringify(clean[path])}`);
    }
  }
  for (const path of Object.keys(before)) if (!(path in tree)) problems.push(`${path}: gone`);
  return problems;
}
