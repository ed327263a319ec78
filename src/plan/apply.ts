import { HostError } from "../errors.ts";
import type { Host, RunResult } from "../host/types.ts";
import { Secret } from "../model/secret.ts";
import type { Change, Plan } from "./change.ts";
import { undoingAccounts } from "./account-files.ts";
import { octal, sha256Hex } from "./content.ts";
import { planJson } from "./diff.ts";
import { ensureDir, parentOf, removeStaleTemps, writeAtomic } from "./fs-helpers.ts";
import { inspectWrite } from "./inspect.ts";
import { JOURNAL_PATH, prepareJournalDir, readJournal, writeJournal, type Journal, type JournalStep } from "./journal.ts";
import { ACCOUNT_FILES, OwnerTable, UnknownOwnerError } from "./owners.ts";
import { BAK_SUFFIX, modeProblem, pathProblem, stepsOf, targetOf, type PlanStep } from "./step.ts";

export type StepStatus = "ok" | "failed" | "skipped-unchanged" | "not-run";

export interface StepResult {
  index: number;
  action: string;
  kind: Change["kind"];
  /** The path, or the command line. */
  target: string;
  status: StepStatus;
  /** What was done or why it failed, in a line: "mode 0644 -> 0600", "exited 9: useradd: user 'a' exists". */
  message?: string;
  ms: number;
  /** A run's exit and output (a Secret input, if it comes back in the output, is redacted). */
  run?: { code: number; stdout: string; stderr: string; timedOut: boolean };
  /** What a run's exit code asked for (cloudbase-init's 1001-1003): a restart, its action again at the next boot. */
  request?: { restart: boolean; again: boolean };
}

export interface ApplyResult {
  planId: string;
  /** No step failed. */
  ok: boolean;
  steps: StepResult[];
  ms: number;
  /** The journal of an earlier apply that never finished (killed), as found before this one began. */
  interrupted: Journal | null;
  /** Temp files a killed apply left behind, removed before this one began. */
  cleaned: string[];
  /** Problems that did not stop the apply (an unreadable old journal). */
  warnings: string[];
}

export interface ApplyOptions {
  /**
   * Whether a failed step lets later steps run. Default: stop at the first failure. A function
   * decides per step (e.g. a run whose failure only its own action cares about).
   */
  continueOnError?: boolean | ((step: PlanStep) => boolean);
  /** Where the journal lives inside the root. */
  journalPath?: string;
}

/** How much of a program's output is kept in a result: the end, where the error usually is. */
const OUTPUT_TAIL = 16 * 1024;

class StepFailure extends Error {}

const fail = (message: string): never => {
  throw new StepFailure(message);
};

/** A stable id for a plan: the same changes give the same id. Secrets count only by their size. */
export function planIdOf(plan: Plan): string {
  return sha256Hex(JSON.stringify(planJson(plan)));
}

/**
 * Carries out a plan through the host, in order, journaling each step. Step failures are results,
 * not exceptions; only a failure to keep the journal itself (the state dir unwritable) throws.
 */
export async function applyPlan(host: Host, plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const log = host.log.withTag("plan");
  const journalPath = options.journalPath ?? JOURNAL_PATH;
  const started = host.now();
  const steps = stepsOf(plan);
  const planId = planIdOf(plan);
  const warnings: string[] = [];

  const previous = await readJournal(host, journalPath);
  if (previous.warning) {
    warnings.push(previous.warning);
    log.warn(previous.warning);
  }
  const interrupted = previous.journal?.state === "running" ? previous.journal : null;
  if (interrupted) {
    const at = interrupted.inProgress ? `at step ${interrupted.inProgress.index + 1} of ${interrupted.total} (${interrupted.inProgress.action}: ${interrupted.inProgress.kind} ${interrupted.inProgress.target})` : "between steps";
    log.warn(`the previous apply (plan ${interrupted.planId.slice(0, 12)}, started ${interrupted.startedAt}) was interrupted ${at}; applying again`);
  }

  const dirs = new Set<string>([parentOf(journalPath)]);
  for (const { change } of steps) if (change.kind === "write" && !pathProblem(change.path)) dirs.add(parentOf(change.path));
  const inProgress = interrupted?.inProgress;
  if (inProgress && inProgress.kind === "write" && !pathProblem(inProgress.target)) dirs.add(parentOf(inProgress.target));
  const cleaned: string[] = [];
  for (const dir of dirs) cleaned.push(...(await removeStaleTemps(host.fs, dir)));
  if (cleaned.length) log.info(`removed ${cleaned.length} temp file(s) left by an interrupted apply: ${cleaned.join(", ")}`);

  await prepareJournalDir(host, journalPath);
  const iso = (ms: number) => new Date(ms).toISOString();
  const journal: Journal = {
    version: 1,
    planId,
    instanceId: plan.instanceId,
    state: "running",
    startedAt: iso(started),
    finishedAt: null,
    total: steps.length,
    done: [],
    inProgress: null,
  };

  const owners = new OwnerTable(host.fs);
  const results: StepResult[] = [];
  let stopped = false;
  for (const step of steps) {
    const base = { index: step.index, action: step.action, kind: step.change.kind, target: targetOf(step.change) };
    if (stopped) {
      results.push({ ...base, status: "not-run", ms: 0 });
      continue;
    }
    // The journal is written just before a step first changes anything: one write records the
    // steps finished so far and the one starting. A step with nothing to do costs no write at all.
    let marked = false;
    const touch = async () => {
      if (marked) return;
      marked = true;
      journal.inProgress = { index: base.index, action: base.action, kind: base.kind, target: base.target, startedAt: iso(host.now()) };
      await writeJournal(host, journal, journalPath);
    };

    const t0 = host.now();
    let result: StepResult;
    try {
      const outcome = await runStep({ host, owners, touch }, step.change);
      result = { ...base, ...outcome, ms: host.now() - t0 };
    } catch (error) {
      const message = error instanceof StepFailure || error instanceof UnknownOwnerError ? error.message : (error as Error).message ?? String(error);
      result = { ...base, status: "failed", message, ms: host.now() - t0 };
    }
    results.push(result);
    journal.done.push(journalEntry(result));
    logResult(log, result);
    if (result.status === "failed" && !continues(options, step)) stopped = true;
    // cloudbase-init restarts at once when a script asks: what follows runs after the restart.
    if (result.request?.restart) stopped = true;
  }

  journal.inProgress = null;
  journal.finishedAt = iso(host.now());
  const ok = results.every((r) => r.status !== "failed");
  journal.state = ok ? "done" : "failed";
  try {
    await writeJournal(host, journal, journalPath);
  } catch (error) {
    throw firstFailureWith(results, error, "the journal could not be written");
  }
  return { planId, ok, steps: results, ms: host.now() - started, interrupted, cleaned, warnings };
}

/**
 * A full disk fails a step and then the journal (or the run's record) too: the error that ends the
 * run names the step's file first, since that is what the operator has to free space for.
 */
export function firstFailureWith(steps: readonly StepResult[], error: unknown, then: string): unknown {
  const failed = steps.find((s) => s.status === "failed");
  if (!failed) return error;
  const said = (error as Error).message ?? String(error);
  // The step failed on this very error (the journal's own write, as it began): nothing to add.
  if (failed.message === said) return error;
  return new HostError(`${failed.action}: ${failed.kind} ${failed.target}: ${failed.message ?? "failed"}; then ${then}: ${said}`);
}

function continues(options: ApplyOptions, step: PlanStep): boolean {
  const c = options.continueOnError;
  return typeof c === "function" ? c(step) : c === true;
}

function journalEntry(r: StepResult): JournalStep {
  return { index: r.index, action: r.action, kind: r.kind, target: r.target, status: r.status, ms: r.ms, ...(r.message !== undefined ? { message: r.message } : {}) };
}

function logResult(log: Host["log"], r: StepResult): void {
  const line = `${r.action}: ${r.kind} ${r.target}: ${r.status}${r.message ? ` (${r.message})` : ""}`;
  if (r.status === "failed") log.error(line);
  else log.debug(line);
}

type Outcome = Pick<StepResult, "status" | "message" | "run" | "request">;

interface StepContext {
  host: Host;
  owners: OwnerTable;
  /** Called before the first change a step makes to the machine: journals the step as in progress. */
  touch: () => Promise<void>;
}

async function runStep(ctx: StepContext, change: Change): Promise<Outcome> {
  if (change.kind !== "run") {
    const problem = pathProblem(change.path);
    if (problem) fail(`${JSON.stringify(change.path)}: ${problem}`);
  }
  switch (change.kind) {
    case "write":
      return applyWrite(ctx, change);
    case "mkdir":
      return applyMkdir(ctx, change);
    case "remove":
      return applyRemove(ctx, change);
    case "run":
      try {
        await ctx.touch();
        return await undoingAccounts(ctx.host.fs, change.argv, () => applyRun(ctx.host, change));
      } finally {
        // Whatever it ran (useradd, groupadd) may have changed who exists.
        ctx.owners.forget();
      }
  }
}

/**
 * A file given to a user is written where that user may have made links: `~/.ssh -> /root/.ssh`
 * would have root write the user's keys into root's account. Symlinks there are refused.
 */
async function refuseUserLink(fs: Host["fs"], change: { owner?: { user: string } }, path: string): Promise<void> {
  if (!change.owner || change.owner.user === "root" || change.owner.user === "0") return;
  if ((await fs.lstat(path))?.type === "symlink") fail(`${path} is a symlink, and the change belongs to ${change.owner.user}, who could have made it: refused`);
}

async function applyWrite({ host, owners, touch }: StepContext, change: Extract<Change, { kind: "write" }>): Promise<Outcome> {
  const { fs } = host;
  const modeError = modeProblem(change.mode);
  if (modeError) fail(modeError);
  await refuseUserLink(fs, change, parentOf(change.path));
  const seen = await inspectWrite(fs, owners, change);
  if (seen.ownerProblem) fail(seen.ownerProblem);
  if (seen.parentMissing) fail(`the directory ${parentOf(change.path)} does not exist (the plan must make it first)`);
  if (seen.verdict === "blocked") fail(`a ${seen.before && "stat" in seen.before ? seen.before.stat?.type : "non-file"} is in the way; only regular files are replaced`);
  if (seen.verdict === "unchanged") return { status: "skipped-unchanged" };

  const before = seen.before;
  const notes: string[] = [];
  await touch();
  if (seen.verdict === "meta" && before?.kind === "file") {
    // Same content: fix mode and owner in place; no backup, no new inode. chown first: it clears set-id bits.
    if (seen.ownerChanges && seen.owner) {
      await fs.chown(change.path, seen.owner.uid, seen.owner.gid);
      notes.push(`owner ${await owners.describe(before.stat.uid, before.stat.gid)} -> ${change.owner?.user}:${change.owner?.group}`);
    }
    await fs.chmod(change.path, change.mode);
    if (seen.modeChanges) notes.push(`mode ${octal(before.stat.mode)} -> ${octal(change.mode)}`);
    return { status: "ok", message: notes.join(", ") };
  }

  // The previous version, kept beside the file: written atomically too, with the old file's mode
  // and owner (a 0600 file's backup must not be readable by more people than the file was).
  if (before?.kind === "file" || (before?.kind === "symlink" && before.bytes)) {
    const old = before.kind === "file" ? before.bytes : (before.bytes as Uint8Array);
    const stat = before.stat;
    await writeAtomic(fs, `${change.path}${BAK_SUFFIX}`, old, { mode: stat?.mode ?? 0o600, uid: stat?.uid ?? 0, gid: stat?.gid ?? 0 });
    notes.push(`previous version kept as ${change.path}${BAK_SUFFIX}`);
  }
  if (before?.kind === "symlink") notes.unshift(`replaced a symlink to ${before.target}`);
  // A file without a named owner keeps the owner it had.
  const owner = seen.owner ?? (before?.kind === "file" ? { uid: before.stat.uid, gid: before.stat.gid } : null);
  await writeAtomic(fs, change.path, seen.bytes, { mode: change.mode, ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) });
  if (ACCOUNT_FILES.has(change.path)) owners.forget();
  return { status: "ok", message: [before === null ? "created" : "replaced", ...notes].join(", ") };
}

async function applyMkdir({ host, owners, touch }: StepContext, change: Extract<Change, { kind: "mkdir" }>): Promise<Outcome> {
  const { fs } = host;
  const modeError = modeProblem(change.mode);
  if (modeError) fail(modeError);
  const ids = change.owner ? await owners.resolve(change.owner) : null;
  await refuseUserLink(fs, change, change.path);
  const lstat = await fs.lstat(change.path);
  if (lstat?.type === "symlink" && (await fs.stat(change.path))?.type === "dir") return { status: "skipped-unchanged", message: "a symlink to a directory: left as it is" };
  if (lstat && lstat.type !== "dir") fail(`a ${lstat.type} is in the way`);
  if (lstat === null) {
    await touch();
    // Missing parents are made 0755 and root's, as mkdir -p would; the plan names the ones that matter.
    await ensureDir(fs, change.path, change.mode);
    if (ids) await fs.chown(change.path, ids.uid, ids.gid);
    return { status: "ok", message: "created" };
  }
  const notes: string[] = [];
  if (ids && (ids.uid !== lstat.uid || ids.gid !== lstat.gid)) {
    await touch();
    await fs.chown(change.path, ids.uid, ids.gid);
    notes.push(`owner ${await owners.describe(lstat.uid, lstat.gid)} -> ${change.owner?.user}:${change.owner?.group}`);
  }
  if (lstat.mode !== change.mode || notes.length) {
    await touch();
    await fs.chmod(change.path, change.mode);
    if (lstat.mode !== change.mode) notes.unshift(`mode ${octal(lstat.mode)} -> ${octal(change.mode)}`);
  }
  return notes.length ? { status: "ok", message: notes.join(", ") } : { status: "skipped-unchanged" };
}

async function applyRemove({ host, touch }: StepContext, change: Extract<Change, { kind: "remove" }>): Promise<Outcome> {
  const lstat = await host.fs.lstat(change.path);
  if (lstat === null) return { status: "skipped-unchanged", message: "absent" };
  if (lstat.type === "dir") fail("a directory: remove takes files and links only");
  await touch();
  // A rename is atomic and keeps the previous version whole, mode and owner included.
  await host.fs.rename(change.path, `${change.path}${BAK_SUFFIX}`);
  return { status: "ok", message: `kept as ${change.path}${BAK_SUFFIX}` };
}

async function applyRun(host: Host, change: Extract<Change, { kind: "run" }>): Promise<Outcome> {
  // The only place a Secret input is revealed: on its way into the program's stdin.
  const input = change.input instanceof Secret ? change.input.reveal() : change.input;
  let result: RunResult;
  try {
    result = await host.run(change.argv, {
      ...(input !== undefined ? { input } : {}),
      ...(change.timeoutMs !== undefined ? { timeoutMs: change.timeoutMs } : {}),
    });
  } catch (error) {
    return fail(`could not run ${change.argv[0]}: ${(error as Error).message}`);
  }
  const secret = change.input instanceof Secret ? change.input : null;
  const run = { code: result.code, stdout: tail(redact(result.stdout, secret)), stderr: tail(redact(result.stderr, secret)), timedOut: result.timedOut };
  if (result.timedOut) return { status: "failed", message: `killed after ${change.timeoutMs} ms (its time limit)`, run };
  const request = change.exitCodes === "cloudbase-init" ? CLOUDBASE_EXITS[result.code] : undefined;
  if (request) return { status: "ok", message: `exited ${result.code}: ${request.restart ? "restart" : ""}${request.restart && request.again ? ", then " : ""}${request.again ? "run again at the next boot" : ""}`, run, request };
  if (result.code !== 0) {
    const said = run.stderr.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? run.stdout.trim().split("\n").pop() ?? "";
    return { status: "failed", message: `exited ${result.code}${said ? `: ${said.trim()}` : ""}`, run };
  }
  // A daemon it forked keeps running (as under cloud-init); the boot just does not wait for it.
  if (result.outputHeld) return { status: "ok", message: "exited 0; a process it started still runs and holds its output: not waited for", run };
  return { status: "ok", message: "exited 0", run };
}

/** cloudbase-init's exit codes for user-data scripts, which Windows images' scripts use. */
const CLOUDBASE_EXITS: Record<number, { restart: boolean; again: boolean }> = {
  1001: { restart: true, again: false },
  1002: { restart: false, again: true },
  1003: { restart: true, again: true },
};

function tail(text: string): string {
  return text.length > OUTPUT_TAIL ? `[…${text.length - OUTPUT_TAIL} characters cut]${text.slice(-OUTPUT_TAIL)}` : text;
}

/** A program may echo its input back (an error quoting the line it choked on): never let a secret through. */
function redact(text: string, secret: Secret | null): string {
  if (!secret || text === "") return text;
  const value = secret.reveal();
  const pieces = [value, ...value.split("\n"), ...value.split("\n").flatMap((l) => l.split(":").slice(1))]
    .map((p) => p.trim())
    .filter((p) => p.length >= 6)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const piece of pieces) out = out.replaceAll(piece, "[redacted]");
  return out;
}

export interface ActionOutcome {
  action: string;
  /** failed if any of its steps failed; not-run if none of them ran; else ok. */
  result: "ok" | "failed" | "not-run";
  ms: number;
  /** The first failed step's target and message. */
  error?: string;
}

/** Per-action totals of an apply, in plan order: what the state records and `agent status` shows. */
export function actionOutcomes(result: ApplyResult): ActionOutcome[] {
  const byAction = new Map<string, StepResult[]>();
  for (const step of result.steps) byAction.set(step.action, [...(byAction.get(step.action) ?? []), step]);
  return [...byAction].map(([action, steps]) => {
    const failed = steps.find((s) => s.status === "failed");
    const ran = steps.some((s) => s.status !== "not-run");
    const ms = steps.reduce((sum, s) => sum + s.ms, 0);
    if (failed) return { action, result: "failed", ms, error: `${failed.kind} ${failed.target}: ${failed.message ?? "failed"}` };
    return { action, result: ran ? "ok" : "not-run", ms };
  });
}
