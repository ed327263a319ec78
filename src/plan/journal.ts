import * as v from "valibot";
import type { Host } from "../host/types.ts";
import { ensureDir, parentOf, writeAtomic } from "./fs-helpers.ts";

/**
 * Where the agent keeps its records, inside the root: Windows' place for a service's data is
 * C:\ProgramData (the root there is the system drive). Fixed by the OS the agent runs on, as the
 * backend is.
 */
export const STATE_DIR = process.platform === "win32" ? "/ProgramData/Tether" : "/var/lib/tether";
export const JOURNAL_PATH = `${STATE_DIR}/journal.json`;

const StepKind = v.picklist(["write", "mkdir", "remove", "run"]);

const JournalStepSchema = v.object({
  index: v.pipe(v.number(), v.integer(), v.minValue(0)),
  action: v.string(),
  kind: StepKind,
  target: v.string(),
  status: v.picklist(["ok", "failed", "skipped-unchanged", "not-run"]),
  ms: v.number(),
  message: v.optional(v.string()),
});

export const JournalSchema = v.object({
  version: v.literal(1),
  planId: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  instanceId: v.string(),
  /** running: an apply is going on, or was killed (nothing else ever leaves it so). */
  state: v.picklist(["running", "done", "failed"]),
  startedAt: v.string(),
  finishedAt: v.nullable(v.string()),
  total: v.pipe(v.number(), v.integer(), v.minValue(0)),
  done: v.array(JournalStepSchema),
  inProgress: v.nullable(v.object({ index: v.number(), action: v.string(), kind: StepKind, target: v.string(), startedAt: v.string() })),
});

export type Journal = v.InferOutput<typeof JournalSchema>;
export type JournalStep = v.InferOutput<typeof JournalStepSchema>;

/** The journal as the last apply left it; a missing one is null, an unreadable one a warning and null. */
export async function readJournal(host: Host, path = JOURNAL_PATH): Promise<{ journal: Journal | null; warning: string | null }> {
  if (!(await host.fs.exists(path))) return { journal: null, warning: null };
  let raw: unknown;
  try {
    raw = JSON.parse(await host.fs.readText(path));
  } catch (error) {
    return { journal: null, warning: `${path}: not JSON (${(error as Error).message}); ignored` };
  }
  const result = v.safeParse(JournalSchema, raw);
  if (!result.success) return { journal: null, warning: `${path}: ${issueText(result.issues)}; ignored` };
  return { journal: result.output, warning: null };
}

/** The first problem valibot found, as "field.path: message". */
export function issueText(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return "invalid";
  const at = v.getDotPath(first);
  return at ? `${at}: ${first.message}` : first.message;
}

/** Makes the journal's directory (0700, parents 0755) once, before the first write. */
export async function prepareJournalDir(host: Host, path = JOURNAL_PATH): Promise<void> {
  await ensureDir(host.fs, parentOf(path), 0o700);
}

/** The journal is replaced whole (temp + fsync + rename) so a kill leaves the previous one, never half of one. */
export async function writeJournal(host: Host, journal: Journal, path = JOURNAL_PATH): Promise<void> {
  await writeAtomic(host.fs, path, `${JSON.stringify(journal, null, 2)}\n`, { mode: 0o600 });
}
