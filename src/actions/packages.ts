import type { Action } from "./types.ts";
import { InputError, type Problem } from "../errors.ts";
import type { Package } from "../model/cloud-config/index.ts";
import type { PackageManager } from "../os/linux/distro.ts";
import type { Change } from "../plan/change.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import type { BootInputs } from "./inputs.ts";

/**
 * Narrower than any manager allows, on purpose: a name starts with a letter or digit (so never an
 * option) and holds nothing a shell or a manager's own syntax would read (no space, ;, *, <, >).
 * apt's arch qualifier (libc6:i386) is the one extra.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}(:[a-z0-9-]{1,32})?$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9+.:~_-]{0,127}$/;

export const REFRESH_TIMEOUT_MS = 10 * 60_000;
export const INSTALL_TIMEOUT_MS = 30 * 60_000;

/** A pinned version as each manager spells it; pacman has no way to ask for one. */
function spec(pm: PackageManager, p: Package): string | null {
  if (p.version === undefined) return p.name;
  if (pm.name === "pacman") return null;
  return pm.name === "dnf" || pm.name === "yum" ? `${p.name}-${p.version}` : `${p.name}=${p.version}`;
}

function withEnv(pm: PackageManager, argv: string[]): string[] {
  const env = Object.entries(pm.env).map(([k, v]) => `${k}=${v}`);
  return env.length ? ["env", ...env, ...argv] : argv;
}

function wanted(inputs: BootInputs) {
  const view = cloudConfigOf(inputs);
  return { view, packages: view.config.packages ?? [], update: view.config.package_update === true };
}

/**
 * cloud-config package_update / packages (cc_package_update_upgrade_install), per instance. Listing
 * packages refreshes the index first, as cloud-init does: a fresh image's apt lists are empty.
 * Nothing runs under --root (no program of the image is run on the host): a note says so.
 */
export const packagesAction: Action = {
  name: "packages",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const { view, packages, update } = wanted(inputs);
    if (!packages.length && !update) return [];
    const source = view.sourceOf(packages.length ? "packages" : "package_update");
    const pm = facts.distro.means.packages;
    if (!pm) throw new InputError(source, [{ path: packages.length ? "packages" : "package_update", message: `no package manager is known for this distribution (${facts.distro.id ?? "unknown"})` }]);
    const problems: Problem[] = [];
    const specs = packages.map((p, i) => {
      if (!NAME.test(p.name)) problems.push({ path: `packages[${i}]`, message: `expected a package name (letters, digits, + . _ -), got ${JSON.stringify(p.name)}` });
      else if (p.version !== undefined && !VERSION.test(p.version)) problems.push({ path: `packages[${i}]`, message: `expected a version (letters, digits, + . : ~ _ -), got ${JSON.stringify(p.version)}` });
      const s = spec(pm, p);
      if (s === null) problems.push({ path: `packages[${i}]`, message: `${pm.name} cannot install a given version (${p.name} ${p.version})` });
      return s ?? "";
    });
    if (problems.length) throw new InputError(source, problems);
    if (facts.offline) return [];
    const changes: Change[] = [{ kind: "run", argv: withEnv(pm, pm.refresh), timeoutMs: REFRESH_TIMEOUT_MS, reason: update ? "package_update from user-data" : "refresh the package index before installing" }];
    if (specs.length) changes.push({ kind: "run", argv: withEnv(pm, [...pm.install, ...specs]), timeoutMs: INSTALL_TIMEOUT_MS, reason: "packages from user-data" });
    return changes;
  },
  notes(inputs, facts) {
    const { packages, update } = wanted(inputs);
    if (!facts.offline || (!packages.length && !update)) return [];
    return [`packages: nothing installed under --root (${packages.length} package(s)${update ? ", package_update" : ""}); left for the target's first boot`];
  },
};
