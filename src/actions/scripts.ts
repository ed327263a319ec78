import type { Action } from "./types.ts";
import { InputError } from "../errors.ts";
import type { Command } from "../model/cloud-config/index.ts";
import type { Change } from "../plan/change.ts";
import { isTempName } from "../plan/step.ts";
import { doneDirOf, INSTANCES_DIR, instanceIdProblem } from "../state/paths.ts";
import type { UserScript } from "../userdata/scripts.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import type { BootInputs } from "./inputs.ts";

/**
 * cloud-init gives scripts no time limit; a boot agent must, or one hung command holds every later
 * step. bootcmd runs before the network is configured, so it gets less.
 */
export const BOOTCMD_TIMEOUT_MS = 5 * 60_000;
export const SCRIPT_TIMEOUT_MS = 30 * 60_000;

const WINDOWS_KINDS = new Set<UserScript["kind"]>(["ps1", "ps1_sysnative", "cmd", "powershell"]);

export function instanceDir(inputs: BootInputs): string {
  const id = inputs.data.instanceId;
  const problem = instanceIdProblem(id);
  if (problem) throw new InputError(`${inputs.data.source.location} meta-data`, [{ path: "instance-id", message: `${problem}, got ${JSON.stringify(id)}` }]);
  return doneDirOf(id);
}

/**
 * The one place a shell runs: a runcmd/bootcmd string IS the user's shell command, as in cloud-init.
 * A list is an argv and runs without one. Each item runs on its own (unlike cloud-init, which joins
 * runcmd into one script): a `cd` or `export` does not carry over to the next item.
 */
function argvOf(command: Command): string[] {
  return typeof command === "string" ? ["/bin/sh", "-c", command] : command;
}

/** bootcmd and boothooks see INSTANCE_ID, as cloud-init's cc_bootcmd and boothook handler set it. */
function withInstanceId(argv: string[], id: string): string[] {
  // env would take a first word holding "=" for an assignment, not the program.
  return argv[0]?.includes("=") ? argv : ["env", `INSTANCE_ID=${id}`, ...argv];
}

/** A script's file name from its MIME filename: one safe path component, unique among its siblings. */
function fileNames(scripts: UserScript[], reserved: ReadonlySet<string>): string[] {
  const used = new Set(reserved);
  return scripts.map((s, i) => {
    let name = s.name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\./, "_");
    if (name === "" || isTempName(name)) name = `part-${String(i + 1).padStart(3, "0")}`;
    let unique = name;
    for (let n = 2; used.has(unique); n++) unique = `${name}-${n}`;
    used.add(unique);
    return unique;
  });
}

const dir = (path: string, reason: string): Change => ({ kind: "mkdir", path, mode: 0o700, reason });

function savedScripts(scripts: UserScript[], into: string, reserved: ReadonlySet<string>, what: string, offline: boolean): { writes: Change[]; paths: string[] } {
  const names = fileNames(scripts, reserved);
  const paths = names.map((n) => `${into}/${n}`);
  const kept = offline ? ", kept for the target's first boot (not run under --root)" : "";
  const writes = scripts.map((s, i): Change => ({ kind: "write", path: paths[i] as string, content: s.content, mode: 0o700, reason: `${what} ${JSON.stringify(s.name)}${kept}` }));
  return { writes, paths };
}

const linuxScripts = (scripts: UserScript[] | undefined, kind: "shell" | "boothook") => (scripts ?? []).filter((s) => s.kind === kind);

function windowsNotes(inputs: BootInputs): string[] {
  return [["user-data", inputs.userData], ["vendor-data", inputs.vendorData]].flatMap(([from, data]) =>
    typeof data === "object" && data ? data.scripts.filter((s) => WINDOWS_KINDS.has(s.kind)).map((s) => `${from} script ${JSON.stringify(s.name)} (${s.kind}) is for Windows: not run on Linux`) : [],
  );
}

/** Boothooks and bootcmd: every boot, early (cloud-init's boothook handler, then cc_bootcmd). */
export const bootcmdAction: Action = {
  name: "bootcmd",
  frequency: "per-boot",
  plan(inputs, facts) {
    const bootcmd = cloudConfigOf(inputs).config.bootcmd ?? [];
    const hooks = [...linuxScripts(inputs.vendorData?.scripts, "boothook"), ...linuxScripts(inputs.userData?.scripts, "boothook")];
    if (!bootcmd.length && !hooks.length) return [];
    const id = inputs.data.instanceId;
    const changes: Change[] = [];
    const runs: { argv: string[]; reason: string }[] = [];
    if (hooks.length) {
      const base = instanceDir(inputs);
      const saved = savedScripts(hooks, `${base}/boothooks`, new Set(), "boothook", facts.offline);
      changes.push(dir(INSTANCES_DIR, "instance state"), dir(base, "instance state"), dir(`${base}/boothooks`, "boothooks of this instance"), ...saved.writes);
      runs.push(...saved.paths.map((p, i) => ({ argv: [p], reason: `boothook ${JSON.stringify(hooks[i]?.name)}` })));
    }
    runs.push(...bootcmd.map((c, i) => ({ argv: argvOf(c), reason: `bootcmd[${i}]` })));
    if (facts.offline) return changes;
    for (const r of runs) changes.push({ kind: "run", argv: withInstanceId(r.argv, id), timeoutMs: BOOTCMD_TIMEOUT_MS, reason: r.reason });
    return changes;
  },
  notes(inputs, facts) {
    const n = (cloudConfigOf(inputs).config.bootcmd ?? []).length;
    return facts.offline && n ? [`bootcmd: ${n} command(s) not run under --root; they run at every boot of the target`] : [];
  },
};

/** Vendor scripts, user scripts, then runcmd: once per instance, late (scripts_vendor, scripts_user). */
export const scriptsAction: Action = {
  name: "scripts",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const runcmd = cloudConfigOf(inputs).config.runcmd ?? [];
    const vendor = linuxScripts(inputs.vendorData?.scripts, "shell");
    const user = linuxScripts(inputs.userData?.scripts, "shell");
    if (!runcmd.length && !vendor.length && !user.length) return [];
    const changes: Change[] = [];
    const runs: { argv: string[]; reason: string }[] = [];
    if (vendor.length || user.length) {
      const base = instanceDir(inputs);
      const scriptsDir = `${base}/scripts`;
      changes.push(dir(INSTANCES_DIR, "instance state"), dir(base, "instance state"), dir(scriptsDir, "user scripts of this instance"));
      if (vendor.length) changes.push(dir(`${scriptsDir}/vendor`, "vendor scripts of this instance"));
      const v = savedScripts(vendor, `${scriptsDir}/vendor`, new Set(), "vendor-data script", facts.offline);
      const u = savedScripts(user, scriptsDir, new Set(["vendor"]), "user-data script", facts.offline);
      changes.push(...v.writes, ...u.writes);
      runs.push(...v.paths.map((p, i) => ({ argv: [p], reason: `vendor-data script ${JSON.stringify(vendor[i]?.name)}` })), ...u.paths.map((p, i) => ({ argv: [p], reason: `user-data script ${JSON.stringify(user[i]?.name)}` })));
    }
    runs.push(...runcmd.map((c, i) => ({ argv: argvOf(c), reason: `runcmd[${i}]` })));
    if (facts.offline) return changes;
    for (const r of runs) changes.push({ kind: "run", argv: r.argv, timeoutMs: SCRIPT_TIMEOUT_MS, reason: r.reason });
    return changes;
  },
  notes(inputs, facts) {
    const notes = windowsNotes(inputs);
    const runcmd = (cloudConfigOf(inputs).config.runcmd ?? []).length;
    const scripts = linuxScripts(inputs.vendorData?.scripts, "shell").length + linuxScripts(inputs.userData?.scripts, "shell").length;
    if (facts.offline && (runcmd || scripts)) notes.push(`scripts: ${scripts} script(s) and ${runcmd} runcmd command(s) not run under --root; kept for the target's first boot`);
    return notes;
  },
};

