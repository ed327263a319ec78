import type { Change, Plan } from "./change.ts";

/** One change of a plan with its place in it: what apply runs, journals and reports. */
export interface PlanStep {
  /** Position in the flattened plan, from 0. */
  index: number;
  action: string;
  change: Change;
}

export function stepsOf(plan: Plan): PlanStep[] {
  const out: PlanStep[] = [];
  for (const step of plan.steps) for (const change of step.changes) out.push({ index: out.length, action: step.action, change });
  return out;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** argv as a person would type it: shown in plans and journals, never handed to a shell. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (SAFE_WORD.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** What a change acts on, in one line: its path, or its command line. */
export function targetOf(change: Change): string {
  return change.kind === "run" ? (change.show ?? shellQuote(change.argv)) : change.path;
}

export const TMP_SUFFIX = ".tether-tmp";
export const BAK_SUFFIX = ".tether-bak";

export function splitPath(path: string): { dir: string; name: string } {
  const cut = path.lastIndexOf("/");
  return { dir: path.slice(0, cut) || "/", name: path.slice(cut + 1) };
}

/** The temp file beside `path` that is renamed over it: same directory, so the rename is atomic. */
export function tempPathFor(path: string): string {
  const { dir, name } = splitPath(path);
  return `${dir === "/" ? "" : dir}/.${name}${TMP_SUFFIX}`;
}

export const isTempName = (name: string) => name.startsWith(".") && name.endsWith(TMP_SUFFIX);

/**
 * A plan's paths are absolute and normalized. ".." would still stay inside the root (the rooted fs
 * sees to that), but a planner that produced it has a bug worth stopping on.
 */
export function pathProblem(path: string): string | null {
  if (!path.startsWith("/") || path === "/") return "expected an absolute path to a file or directory below /";
  if (path.includes("\0")) return "the path contains a NUL byte";
  const parts = path.slice(1).split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return "expected a normalized path (no empty, . or .. components)";
  if (isTempName(parts[parts.length - 1] as string)) return `names ending in ${TMP_SUFFIX} are apply's own temp files`;
  return null;
}

export function modeProblem(mode: number): string | null {
  return Number.isInteger(mode) && mode >= 0 && mode <= 0o7777 ? null : `mode ${mode}: expected permission bits between 0 and 07777`;
}
