import type { Host } from "../host/types.ts";
import { Secret } from "../model/secret.ts";
import type { Change, Owner, Plan } from "./change.ts";
import { asText, octal, sha256Hex } from "./content.ts";
import { inspectWrite, type WriteInspection } from "./inspect.ts";
import { OwnerTable, UnknownOwnerError } from "./owners.ts";
import { BAK_SUFFIX, shellQuote, stepsOf } from "./step.ts";
import { unifiedDiff } from "./unified-diff.ts";

/** A write's content in JSON: text when it is UTF-8, else its digest and size; a secret only its size. */
export type ContentJson = { text: string } | { binary: true; bytes: number; sha256: string } | { secret: true; bytes: number };

export type ChangeJson =
  | { kind: "write"; path: string; mode: string; owner?: Owner; reason: string; content: ContentJson }
  | { kind: "mkdir"; path: string; mode: string; owner?: Owner; reason: string }
  | { kind: "remove"; path: string; reason: string }
  | { kind: "run"; argv: string[]; show?: string; input?: { text: string } | { secret: true }; timeoutMs?: number; exitCodes?: "cloudbase-init"; reason: string };

export interface PlanJson {
  instanceId: string;
  steps: { action: string; changes: ChangeJson[] }[];
}

const encoder = new TextEncoder();

function contentJson(content: string | Uint8Array | Secret): ContentJson {
  if (content instanceof Secret) return { secret: true, bytes: encoder.encode(content.reveal()).length };
  const bytes = typeof content === "string" ? encoder.encode(content) : content;
  const text = asText(bytes);
  return text !== null ? { text } : { binary: true, bytes: bytes.length, sha256: sha256Hex(bytes) };
}

function changeJson(change: Change): ChangeJson {
  const owner = "owner" in change && change.owner ? { owner: { user: change.owner.user, group: change.owner.group } } : {};
  switch (change.kind) {
    case "write":
      return { kind: "write", path: change.path, mode: octal(change.mode), ...owner, reason: change.reason, content: contentJson(change.content) };
    case "mkdir":
      return { kind: "mkdir", path: change.path, mode: octal(change.mode), ...owner, reason: change.reason };
    case "remove":
      return { kind: "remove", path: change.path, reason: change.reason };
    case "run": {
      const input = change.input === undefined ? {} : { input: change.input instanceof Secret ? { secret: true as const } : { text: change.input } };
      return {
        kind: "run",
        argv: [...change.argv],
        ...(change.show !== undefined ? { show: change.show } : {}),
        ...input,
        ...(change.timeoutMs !== undefined ? { timeoutMs: change.timeoutMs } : {}),
        ...(change.exitCodes !== undefined ? { exitCodes: change.exitCodes } : {}),
        reason: change.reason,
      };
    }
  }
}

/** The plan as plain JSON for --json: nothing secret in it, whatever serializer reads it. */
export function planJson(plan: Plan): PlanJson {
  return { instanceId: plan.instanceId, steps: plan.steps.map((s) => ({ action: s.action, changes: s.changes.map(changeJson) })) };
}

export interface PlanDiff {
  /** The whole dry run as text: a heading per action, a line per change, a unified diff per changed file. */
  text: string;
  /** Counts for the summary line. */
  counts: { write: number; unchanged: number; mkdir: number; remove: number; run: number };
}

const withReason = (head: string, reason: string) => (reason ? `${head}: ${reason}` : head);

/**
 * The plan against the machine as it is: for every write the unified diff of the current and the
 * new content (labels a/PATH and b/PATH, so `patch -p1` in the root would apply it), mode and owner
 * changes, and one line per directory, removal and command. Reads only; changes nothing.
 */
export async function diffPlan(host: Host, plan: Plan): Promise<PlanDiff> {
  const { fs } = host;
  const owners = new OwnerTable(fs);
  const counts = { write: 0, unchanged: 0, mkdir: 0, remove: 0, run: 0 };
  const out: string[] = [];
  let action: string | null = null;
  for (const { action: name, change } of stepsOf(plan)) {
    if (name !== action) {
      out.push(`== ${name} ==`);
      action = name;
    }
    switch (change.kind) {
      case "write": {
        const seen = await inspectWrite(fs, owners, change);
        const lines = await describeWrite(change, seen, owners);
        out.push(...lines);
        if (seen.verdict === "unchanged") counts.unchanged++;
        else counts.write++;
        break;
      }
      case "mkdir": {
        counts.mkdir++;
        out.push(withReason(`mkdir ${change.path} (${await mkdirState(host, owners, change)})`, change.reason));
        break;
      }
      case "remove": {
        counts.remove++;
        const lstat = await fs.lstat(change.path);
        const state = lstat === null ? "absent: nothing to do" : lstat.type === "dir" ? "a directory: apply will refuse" : `kept as ${change.path}${BAK_SUFFIX}`;
        out.push(withReason(`remove ${change.path} (${state})`, change.reason));
        break;
      }
      case "run": {
        counts.run++;
        out.push(withReason(`run ${change.show ?? shellQuote(change.argv)}`, change.reason));
        if (change.input instanceof Secret) out.push("  input (secret input)");
        else if (change.input !== undefined) out.push(`  input (${encoder.encode(change.input).length} bytes):`, ...change.input.replace(/\n$/, "").split("\n").map((l) => `  < ${l}`));
        if (change.timeoutMs !== undefined) out.push(`  time limit ${change.timeoutMs} ms`);
        if (change.exitCodes === "cloudbase-init") out.push("  exit 1001 reboots, 1002 runs it again at the next boot, 1003 both");
        break;
      }
    }
  }
  const summary = `${counts.write} file(s) to write, ${counts.unchanged} unchanged, ${counts.mkdir} director${counts.mkdir === 1 ? "y" : "ies"}, ${counts.remove} removal(s), ${counts.run} command(s)`;
  out.push(summary);
  return { text: `${out.join("\n")}\n`, counts };
}

async function ownerNote(change: { owner?: Owner }, seen: WriteInspection, owners: OwnerTable): Promise<string | null> {
  if (!change.owner) return null;
  const want = `${change.owner.user}:${change.owner.group}`;
  const missing = seen.ownerProblem ? " (not in the target's account files yet)" : "";
  if (seen.before?.kind === "file" && seen.ownerChanges) return `  owner ${await owners.describe(seen.before.stat.uid, seen.before.stat.gid)} -> ${want}${missing}`;
  return missing ? `  owner ${want}${missing}` : null;
}

async function describeWrite(change: Extract<Change, { kind: "write" }>, seen: WriteInspection, owners: OwnerTable): Promise<string[]> {
  const { before } = seen;
  const owner = change.owner ? ` ${change.owner.user}:${change.owner.group}` : "";
  const state =
    seen.verdict === "new" ? `new, ${octal(change.mode)}${owner}` : seen.verdict === "unchanged" ? "unchanged" : seen.verdict === "meta" ? "content unchanged" : seen.verdict === "blocked" ? "blocked" : "changed";
  const lines = [withReason(`write ${change.path} (${state})`, change.reason)];
  if (seen.parentMissing) lines.push(`  directory ${change.path.slice(0, change.path.lastIndexOf("/")) || "/"} does not exist yet`);
  if (seen.verdict === "blocked" && before && "stat" in before) lines.push(`  a ${before.stat?.type} is in the way: apply will refuse`);
  if (seen.verdict === "unchanged" || seen.verdict === "blocked") return lines;
  if (before?.kind === "symlink") lines.push(`  replaces a symlink to ${before.target}`);
  if (before?.kind === "file" && seen.modeChanges) lines.push(`  mode ${octal(before.stat.mode)} -> ${octal(change.mode)}`);
  const ownerLine = await ownerNote(change, seen, owners);
  if (ownerLine) lines.push(ownerLine);
  if (seen.verdict === "meta") return lines;

  const old = before?.kind === "file" ? before.bytes : before?.kind === "symlink" ? before.bytes : null;
  if (change.content instanceof Secret) {
    lines.push(`  content (secret: ${seen.bytes.length} bytes, not shown)`);
    return lines;
  }
  const oldText = old === null ? "" : asText(old);
  const newText = asText(seen.bytes);
  if (oldText === null || newText === null) {
    lines.push(`  content (binary: ${seen.bytes.length} bytes${old !== null ? `, was ${old.length} bytes` : ""})`);
    return lines;
  }
  const diff = unifiedDiff(oldText, newText, { oldLabel: old === null ? "/dev/null" : `a${change.path}`, newLabel: `b${change.path}` });
  if (diff) lines.push(diff.replace(/\n$/, ""));
  else if (old === null) lines.push("  content (empty)");
  return lines;
}

async function mkdirState(host: Host, owners: OwnerTable, change: Extract<Change, { kind: "mkdir" }>): Promise<string> {
  const stat = await host.fs.stat(change.path);
  const owner = change.owner ? ` ${change.owner.user}:${change.owner.group}` : "";
  if (stat === null) return `new, ${octal(change.mode)}${owner}`;
  if (stat.type !== "dir") return `a ${stat.type} is in the way: apply will refuse`;
  const notes: string[] = [];
  if (stat.mode !== change.mode) notes.push(`mode ${octal(stat.mode)} -> ${octal(change.mode)}`);
  if (change.owner) {
    try {
      const ids = await owners.resolve(change.owner);
      if (ids.uid !== stat.uid || ids.gid !== stat.gid) notes.push(`owner ${await owners.describe(stat.uid, stat.gid)} -> ${change.owner.user}:${change.owner.group}`);
    } catch (error) {
      if (!(error instanceof UnknownOwnerError)) throw error;
      notes.push(`owner ->${owner} (not in the target's account files yet)`);
    }
  }
  return notes.length ? `exists; ${notes.join(", ")}` : "exists, unchanged";
}
