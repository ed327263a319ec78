import type { Change, Owner } from "../plan/change.ts";
import type { BootInputs } from "./inputs.ts";
import { contentOf, DirPlan, linuxTargetPath, parentOf, parentProbes } from "./target-files.ts";
import type { Action, BaseFacts, OsFacts } from "./types.ts";

/**
 * Where an injected file is likely a credential: it is made 0600 (0440 for sudoers, which sudo
 * requires). Everything else is 0644: cloud-init's 0660 would make an injected authorized_keys
 * group-writable, which sshd's StrictModes refuses.
 */
const PRIVATE_NAME = /(^id_|_key$|\.key$|\.pem$|secret|token|password|credential|^authorized_keys2?$)/i;

function modeFor(path: string): number {
  if (path === "/etc/sudoers" || path.startsWith("/etc/sudoers.d/")) return 0o440;
  if (path === "/etc/shadow" || path === "/etc/gshadow") return 0o600;
  const parts = path.split("/");
  const name = parts[parts.length - 1] as string;
  if (parts.includes(".ssh") || PRIVATE_NAME.test(name)) return 0o600;
  return 0o644;
}

/**
 * Files below a user's home belong to that user (an injected ~alice/.ssh/authorized_keys that root
 * owns at 0600 is unreadable to sshd acting as alice); everything else to root.
 */
function ownerFor(path: string, facts: OsFacts): Owner {
  const user = facts.passwd
    .filter((u) => u.home !== "/" && u.home !== "" && u.uid !== 0 && path.startsWith(`${u.home.replace(/\/+$/, "")}/`))
    .sort((a, b) => b.home.length - a.home.length)[0];
  if (!user) return { user: "root", group: "root" };
  const group = facts.group.find((g) => g.gid === user.gid)?.name ?? String(user.gid);
  return { user: user.name, group };
}

/** OpenStack's paths may come without the leading slash; cloud-init adds it. */
const absolute = (path: string) => (path.startsWith("/") ? path : `/${path}`);

/** How an OS names and owns injected files (Windows: drive-letter paths, no owners). */
export interface InjectMeans<F extends BaseFacts> {
  path(raw: string, source: string, field: string, facts: Omit<F, "files">): string;
  owner(path: string, facts: F): Owner | undefined;
}

function pathsOf<F extends BaseFacts>(inputs: BootInputs, facts: Omit<F, "files">, means: InjectMeans<F>): string[] {
  const source = `${inputs.data.source.location} files`;
  return inputs.data.files.flatMap((f, i) => {
    try {
      return [means.path(f.path, source, `files[${i}].path`, facts)];
    } catch {
      return [];
    }
  });
}

/** meta_data `files` (OpenStack file injection, config drive or metadata service): per instance. */
export function injectedFilesActionFor<F extends BaseFacts>(means: InjectMeans<F>): Action<F> {
  return {
    name: "injected-files",
    frequency: "per-instance",
    reads: (inputs, facts) => (inputs.data.files.length ? parentProbes(pathsOf(inputs, facts, means)) : []),
    plan(inputs, facts) {
      const source = `${inputs.data.source.location} files`;
      const dirs = new DirPlan(facts);
      const changes: Change[] = [];
      for (const [i, file] of inputs.data.files.entries()) {
        const path = means.path(file.path, source, `files[${i}].path`, facts);
        const mode = modeFor(path);
        const owner = means.owner(path, facts);
        const dir = parentOf(path);
        const dirMode = dir.split("/").includes(".ssh") ? 0o700 : 0o755;
        const own = owner ? { owner } : {};
        changes.push(...dirs.ensure(dir, dirMode, `directory for injected file files[${i}]`, own));
        changes.push({ kind: "write", path, content: contentOf(file.content, mode), mode, ...own, reason: `injected file files[${i}] from ${inputs.data.source.transport}` });
      }
      return changes;
    },
  };
}

export const injectedFilesAction: Action = injectedFilesActionFor<OsFacts>({
  path: (raw, source, field) => linuxTargetPath(absolute(raw), source, field),
  owner: ownerFor,
});
