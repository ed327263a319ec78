import { InputError } from "../errors.ts";
import type { Change, Owner } from "../plan/change.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import type { BootInputs } from "./inputs.ts";
import { bytesOfRead, concatBytes, contentOf, DirPlan, linuxTargetPath, looksLikePrivateKey, parentOf, parentProbes } from "./target-files.ts";
import type { Action, BaseFacts } from "./types.ts";

/** `user` or `user:group`; account names as shadow's tools take them (a trailing $ for machine accounts). */
const NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;

/**
 * cloud-init chowns with group -1 when only a user is named, so a new file (written by root) gets
 * group root: the same result here, named, since a plan's owner always has both.
 */
export function ownerOf(spec: string, source: string, field: string): Owner {
  const [user = "", group = "root", ...rest] = spec.split(":");
  if (rest.length || !NAME.test(user) || !NAME.test(group)) {
    throw new InputError(source, [{ path: field, message: `expected "user" or "user:group" (no spaces), got ${JSON.stringify(spec)}` }]);
  }
  return { user, group };
}

/**
 * How an OS names and owns the files: Linux takes POSIX paths and user:group owners; Windows maps
 * "C:\\x" onto its root and has no owners of that kind (NTFS ACLs inherit from the directory).
 */
export interface FileMeans<F extends BaseFacts> {
  path(raw: string, source: string, field: string, facts: Omit<F, "files">): string;
  owner(spec: string, source: string, field: string): Owner | undefined;
}

const LINUX_MEANS: FileMeans<BaseFacts> = { path: (raw, source, field) => linuxTargetPath(raw, source, field), owner: ownerOf };

interface Entry {
  index: number;
  path: string;
  bytes: Uint8Array;
  mode: number;
  owner: Owner | undefined;
  append: boolean;
  defer: boolean;
}

/**
 * cloud-init's default is 0644, which for a private key given without permissions means a key every
 * user can read (and that ssh refuses to use): such a key gets 0600. Permissions given are kept.
 */
function defaultMode(bytes: Uint8Array): number {
  return looksLikePrivateKey(new TextDecoder().decode(bytes)) ? 0o600 : 0o644;
}

function entriesOf<F extends BaseFacts>(inputs: BootInputs, facts: Omit<F, "files">, means: FileMeans<F>): { entries: Entry[]; source: string } {
  const view = cloudConfigOf(inputs);
  const source = view.sourceOf("write_files");
  // write_files comes whole from one layer (the merge is key by key), decoded when it was validated.
  const contents = (source.endsWith("vendor-data") ? inputs.vendorData : inputs.userData)?.writeFileContents ?? [];
  const entries = (view.config.write_files ?? []).map((file, index): Entry => {
    const field = `write_files[${index}]`;
    const path = means.path(file.path, source, `${field}.path`, facts);
    const owner = means.owner(file.owner, source, `${field}.owner`);
    if (file.permissions !== undefined && (!Number.isInteger(file.permissions) || file.permissions < 0 || file.permissions > 0o7777)) {
      throw new InputError(source, [{ path: `${field}.permissions`, message: `expected permission bits between 0 and 07777, got ${file.permissions}` }]);
    }
    const bytes = contents[index];
    if (!bytes) throw new Error(`${field}: not decoded; user-data must come through readUserData`);
    return { index, path, bytes, mode: file.permissions ?? defaultMode(bytes), owner, append: file.append, defer: file.defer };
  });
  return { entries, source };
}

function pathsOf<F extends BaseFacts>(inputs: BootInputs, facts: Omit<F, "files">, means: FileMeans<F>): string[] {
  const view = cloudConfigOf(inputs);
  const source = view.sourceOf("write_files");
  const out: string[] = [];
  for (const [i, file] of (view.config.write_files ?? []).entries()) {
    try {
      out.push(means.path(file.path, source, `write_files[${i}].path`, facts));
    } catch {
      // plan() names the bad path; reads only gathers.
    }
  }
  return out;
}

/**
 * Every entry is decoded and checked whichever phase it belongs to, and appends see what earlier
 * entries (of either phase) made of the file: the deferred phase replays the first one's effect
 * rather than trusting a read taken before it ran.
 */
function planPhase<F extends BaseFacts>(inputs: BootInputs, facts: F, deferred: boolean, means: FileMeans<F>): Change[] {
  const { entries, source } = entriesOf(inputs, facts, means);
  const dirs = new DirPlan(facts);
  const now = new Map<string, Uint8Array>();
  const changes: Change[] = [];
  const origin = source.endsWith("vendor-data") ? "vendor-data" : "user-data";
  for (const e of entries) {
    const before = now.get(e.path) ?? (facts.files[e.path] !== undefined ? bytesOfRead(facts.files[e.path] as string) : new Uint8Array());
    const bytes = e.append ? concatBytes(before, e.bytes) : e.bytes;
    now.set(e.path, bytes);
    if (e.defer !== deferred) continue;
    const what = `write_files[${e.index}] from ${origin}${e.defer ? " (deferred until users exist)" : ""}`;
    changes.push(...dirs.ensure(parentOf(e.path), 0o755, `directory for ${what}`, e.owner ? { owner: e.owner } : {}));
    changes.push({
      kind: "write",
      path: e.path,
      content: contentOf(bytes, e.mode),
      mode: e.mode,
      ...(e.owner ? { owner: e.owner } : {}),
      reason: e.append ? `${what}: appended to the current content` : what,
    });
  }
  return changes;
}

function readsOf<F extends BaseFacts>(inputs: BootInputs, facts: Omit<F, "files">, means: FileMeans<F>): string[] {
  const view = cloudConfigOf(inputs);
  const appended = (view.config.write_files ?? []).some((f) => f.append);
  const paths = pathsOf(inputs, facts, means);
  if (!paths.length) return [];
  // Appends need the current content; any entry's path may be appended to by a later one.
  return [...parentProbes(paths), ...(appended ? paths : [])];
}

/**
 * cloud-config write_files: entries without `defer` per instance, early, as cc_write_files; those
 * with `defer: true` after users and packages (cc_write_files_deferred). Each OS gives its means.
 */
export function writeFilesActions<F extends BaseFacts>(means: FileMeans<F>): { early: Action<F>; deferred: Action<F> } {
  const reads = (inputs: BootInputs, facts: Omit<F, "files">) => readsOf(inputs, facts, means);
  return {
    early: { name: "write-files", frequency: "per-instance", reads, plan: (inputs, facts) => planPhase(inputs, facts, false, means) },
    deferred: { name: "write-files-deferred", frequency: "per-instance", reads, plan: (inputs, facts) => planPhase(inputs, facts, true, means) },
  };
}

const linux = writeFilesActions(LINUX_MEANS);
export const writeFilesAction: Action = linux.early;
export const writeFilesDeferredAction: Action = linux.deferred;

