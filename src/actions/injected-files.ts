import type { Change, Owner } from "../plan/change.ts";
import type { BootInputs } from "./inputs.ts";
import { contentOf, DirPlan, parentOf, parentProbes, targetPath } from "./target-files.ts";
import type { Action, OsFacts } from "./types.ts";

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

function pathsOf(inputs: BootInputs): string[] {
  const source = `${inputs.data.source.location} files`;
  return inputs.data.files.flatMap((f, i) => {
    try {
      return [targetPath(absolute(f.path), source, `files[${i}].path`)];
    } catch {
      return [];
    }
  });
}

/** meta_data `files` (OpenStack file injection, config drive or metadata service): per instance. */
export const injectedFilesAction: Action = {
  name: "injected-files",
  frequency: "per-instance",
  reads: (inputs) => (inputs.data.files.length ? parentProbes(pathsOf(inputs)) : []),
  plan(inputs, facts) {
    const source = `${inputs.data.source.location} files`;
    const dirs = new DirPlan(facts);
    const changes: Change[] = [];
    for (const [i, file] of inputs.data.files.entries()) {
      const path = targetPath(absolute(file.path), source, `files[${i}].path`);
      const mode = modeFor(path);
      const owner = ownerFor(path, facts);
      const dir = parentOf(path);
      const dirMode = dir.split("/").includes(".ssh") ? 0o700 : 0o755;
      changes.push(...dirs.ensure(dir, dirMode, `directory for injected file files[${i}]`, { owner }));
      changes.push({ kind: "write", path, content: contentOf(file.content, mode), mode, owner, reason: `injected file files[${i}] from ${inputs.data.source.transport}` });
    }
    return changes;
  },
};
