import { cloudConfigOf } from "../../../actions/cloud-config-of.ts";
import type { BootInputs } from "../../../actions/inputs.ts";
import { instanceDir, SCRIPT_TIMEOUT_MS } from "../../../actions/scripts.ts";
import type { Action } from "../../../actions/types.ts";
import type { Command } from "../../../model/cloud-config/index.ts";
import type { Change } from "../../../plan/change.ts";
import { isTempName } from "../../../plan/step.ts";
import { INSTANCES_DIR } from "../../../state/paths.ts";
import type { ScriptKind, UserScript } from "../../../userdata/scripts.ts";
import { windowsPath, type WindowsFacts } from "../windows-facts.ts";

/** The Windows kinds, with the extension each needs: powershell -File takes only .ps1, cmd.exe runs .cmd. */
const WINDOWS_KINDS: Partial<Record<ScriptKind, "ps1" | "cmd">> = { ps1: "ps1", ps1_sysnative: "ps1", powershell: "ps1", cmd: "cmd" };

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Windows PowerShell 5.1 reads a .ps1 without a byte-order mark in the ANSI code page: a UTF-8
 * script with "é" in it would run as "Ã©". A BOM makes it read UTF-8; ASCII scripts stay as given.
 */
function ps1Bytes(content: Uint8Array): Uint8Array {
  const hasBom = content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf;
  if (hasBom || content.every((b) => b < 0x80)) return content;
  try {
    utf8.decode(content);
  } catch {
    return content;
  }
  const out = new Uint8Array(content.length + 3);
  out.set(BOM, 0);
  out.set(content, 3);
  return out;
}

interface Planned {
  script: UserScript;
  ext: "ps1" | "cmd";
  from: string;
}

function windowsScripts(inputs: BootInputs): Planned[] {
  const of = (from: string, scripts: UserScript[] | undefined) =>
    (scripts ?? []).flatMap((script) => {
      const ext = WINDOWS_KINDS[script.kind];
      return ext ? [{ script, ext, from }] : [];
    });
  return [...of("vendor-data", inputs.vendorData?.scripts), ...of("user-data", inputs.userData?.scripts)];
}

/** A script's file name from its MIME filename: one safe component, the right extension, unique. */
function fileNames(planned: Planned[]): string[] {
  const used = new Set<string>();
  return planned.map((p, i) => {
    let stem = p.script.name.replace(/\.(ps1|cmd|bat)$/i, "").replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\./, "_");
    if (stem === "" || isTempName(stem)) stem = `part-${String(i + 1).padStart(3, "0")}`;
    let name = `${stem}.${p.ext}`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${stem}-${n}.${p.ext}`;
    used.add(name.toLowerCase());
    return name;
  });
}

function runArgv(ext: "ps1" | "cmd", path: string): string[] {
  return ext === "ps1" ? ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", path] : ["cmd.exe", "/c", path];
}

/** runcmd on Windows: a string is the user's own cmd.exe command line, as cloudbase-init runs it; a list is an argv. */
const runcmdArgv = (command: Command): string[] => (typeof command === "string" ? ["cmd.exe", "/c", command] : command);

const dir = (path: string, reason: string): Change => ({ kind: "mkdir", path, mode: 0o700, reason });

/**
 * User-data scripts for Windows (#ps1, #ps1_sysnative, <powershell>, rem cmd), vendor's first, then
 * runcmd: once per instance, last before the power state. Each script is kept in the instance's
 * directory and run from there; its exit codes 1001 (restart), 1002 (run again at the next boot)
 * and 1003 (both) mean what they mean to cloudbase-init, whose scripts images already carry.
 */
export const windowsScriptsAction: Action<WindowsFacts> = {
  name: "scripts",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const planned = windowsScripts(inputs);
    const runcmd = cloudConfigOf(inputs).config.runcmd ?? [];
    if (!planned.length && !runcmd.length) return [];
    const changes: Change[] = [];
    const runs: Change[] = [];
    if (planned.length) {
      const base = instanceDir(inputs);
      const into = `${base}/scripts`;
      changes.push(dir(INSTANCES_DIR, "instance state"), dir(base, "instance state"), dir(into, "user scripts of this instance"));
      const kept = facts.offline ? ", kept for the image's first boot (not run under --root)" : "";
      fileNames(planned).forEach((name, i) => {
        const p = planned[i] as Planned;
        const path = `${into}/${name}`;
        const content = p.ext === "ps1" ? ps1Bytes(p.script.content) : p.script.content;
        changes.push({ kind: "write", path, content, mode: 0o700, reason: `${p.from} script ${JSON.stringify(p.script.name)} (${p.script.kind})${kept}` });
        runs.push({ kind: "run", argv: runArgv(p.ext, windowsPath(facts, path)), timeoutMs: SCRIPT_TIMEOUT_MS, exitCodes: "cloudbase-init", reason: `${p.from} script ${JSON.stringify(p.script.name)}` });
      });
    }
    runcmd.forEach((c, i) => runs.push({ kind: "run", argv: runcmdArgv(c), timeoutMs: SCRIPT_TIMEOUT_MS, reason: `runcmd[${i}]` }));
    return facts.offline ? changes : [...changes, ...runs];
  },
  notes(inputs, facts) {
    const notes: string[] = [];
    for (const [from, data] of [["vendor-data", inputs.vendorData], ["user-data", inputs.userData]] as const) {
      for (const s of data?.scripts ?? []) if (!WINDOWS_KINDS[s.kind]) notes.push(`${from} script ${JSON.stringify(s.name)} (${s.kind}) is for Linux: not run on Windows`);
    }
    const runcmd = (cloudConfigOf(inputs).config.runcmd ?? []).length;
    const scripts = windowsScripts(inputs).length;
    if (facts.offline && (runcmd || scripts)) notes.push(`scripts: ${scripts} script(s) and ${runcmd} runcmd command(s) not run under --root; kept for the image's first boot`);
    return notes;
  },
};
