import type { FileStat, RootedFs } from "../host/types.ts";
import type { Change } from "./change.ts";
import { contentBytes, sameBytes } from "./content.ts";
import { OwnerTable, UnknownOwnerError } from "./owners.ts";
import { splitPath } from "./step.ts";

type Write = Extract<Change, { kind: "write" }>;

/** What is at a write's path now. */
export type Before =
  | null
  | { kind: "file"; bytes: Uint8Array; stat: FileStat }
  /** A final symlink is replaced by the file (as a temp-and-rename always does); `bytes` is what it led to. */
  | { kind: "symlink"; target: string; bytes: Uint8Array | null; stat: FileStat | null }
  | { kind: "other"; stat: FileStat };

export interface WriteInspection {
  before: Before;
  /** The new content: a Secret revealed, so this object is never logged or printed whole. */
  bytes: Uint8Array;
  owner: { uid: number; gid: number } | null;
  /** Set when the plan names an owner the target does not know (yet: an earlier step may create it). */
  ownerProblem: string | null;
  parentMissing: boolean;
  /**
   * new: nothing there; content: the content differs (or a link is replaced); meta: only mode or
   * owner differ; unchanged: nothing to do; blocked: a directory or a device is in the way.
   */
  verdict: "new" | "content" | "meta" | "unchanged" | "blocked";
  modeChanges: boolean;
  ownerChanges: boolean;
}

export async function inspectWrite(fs: RootedFs, owners: OwnerTable, change: Write): Promise<WriteInspection> {
  const bytes = contentBytes(change.content);
  let owner: WriteInspection["owner"] = null;
  let ownerProblem: string | null = null;
  if (change.owner) {
    try {
      owner = await owners.resolve(change.owner);
    } catch (error) {
      if (!(error instanceof UnknownOwnerError)) throw error;
      ownerProblem = error.message;
    }
  }
  const parent = await fs.stat(splitPath(change.path).dir);
  const parentMissing = parent?.type !== "dir";
  const before = parentMissing ? null : await readBefore(fs, change.path);

  const stat = before && "stat" in before ? before.stat : null;
  const modeChanges = before?.kind === "file" && stat !== null && stat.mode !== change.mode;
  const ownerChanges = before?.kind === "file" && stat !== null && change.owner !== undefined && (owner === null || owner.uid !== stat.uid || owner.gid !== stat.gid);
  let verdict: WriteInspection["verdict"];
  if (before === null) verdict = "new";
  else if (before.kind === "other") verdict = "blocked";
  else if (before.kind === "symlink") verdict = "content";
  else if (!sameBytes(before.bytes, bytes)) verdict = "content";
  else verdict = modeChanges || ownerChanges ? "meta" : "unchanged";
  return { before, bytes, owner, ownerProblem, parentMissing, verdict, modeChanges, ownerChanges };
}

async function readBefore(fs: RootedFs, path: string): Promise<Before> {
  const lstat = await fs.lstat(path);
  if (lstat === null) return null;
  if (lstat.type === "file") return { kind: "file", bytes: await fs.readFile(path), stat: lstat };
  if (lstat.type === "symlink") {
    const followed = await fs.stat(path);
    const bytes = followed?.type === "file" ? await fs.readFile(path) : null;
    return { kind: "symlink", target: await fs.readlink(path), bytes, stat: followed };
  }
  return { kind: "other", stat: lstat };
}
