import * as v from "valibot";
import type { BootInputs } from "../../actions/inputs.ts";
import type { Action } from "../../actions/types.ts";
import { HostError } from "../../errors.ts";
import type { Host } from "../../host/types.ts";
import { parseWith } from "../../model/validate.ts";
import { normalMac } from "../../network/convert/problems.ts";
import { readIfFile } from "../read-if-file.ts";
import { asciiJson, powershellArgv } from "./powershell.ts";
import { READ_FACTS } from "./scripts/read-facts.ts";
import type { WindowsFacts, WindowsUser } from "./windows-facts.ts";

const Text = v.optional(v.nullable(v.string()), "");
const SnapshotSchema = v.object({
  productName: Text,
  edition: Text,
  build: Text,
  displayVersion: Text,
  installationType: Text,
  computerName: Text,
  systemDrive: Text,
  adminGroup: Text,
  timezone: Text,
  users: v.optional(v.array(v.object({ name: v.string(), sid: v.string(), enabled: v.boolean(), admin: v.boolean(), profile: Text })), []),
  nics: v.optional(v.array(v.object({ name: v.string(), mac: v.string() })), []),
  volumes: v.optional(v.array(v.object({ letter: v.string(), label: Text, fs: Text })), []),
});
export type WindowsFactsSnapshot = v.InferOutput<typeof SnapshotSchema>;

/** Facts take longer than the probe's question: the first CIM query of a boot starts WMI. */
const FACTS_TIMEOUT_MS = 120_000;

/** A profile on the system drive, as a path inside the root ("C:\Users\carol" → "/Users/carol"). */
function profileInRoot(profile: string, drive: string): string | undefined {
  if (!profile || profile.slice(0, 2).toUpperCase() !== drive.toUpperCase() || profile[2] !== "\\") return undefined;
  const path = profile.slice(2).replaceAll("\\", "/").replace(/\/+$/, "");
  return path.split("/").some((p) => p === "." || p === "..") || path === "" ? undefined : path;
}

/**
 * Windows 11 still says "Windows 10" in ProductName (Microsoft kept the value for compatibility);
 * build 22000 is where 11 begins.
 */
function productNameOf(name: string, build: string): string {
  return Number(build) >= 22000 && name.startsWith("Windows 10") ? name.replace("Windows 10", "Windows 11") : name;
}

/** The live part of the facts from one snapshot: pure, so that tests feed it the JSON a Windows gave. */
export function factsFromSnapshot(snapshot: WindowsFactsSnapshot): Pick<WindowsFacts, "windows" | "systemDrive" | "computerName" | "users" | "adminGroup" | "nics" | "volumes" | "timezone"> {
  const drive = /^[A-Za-z]:$/.test(snapshot.systemDrive ?? "") ? (snapshot.systemDrive as string).toUpperCase() : "C:";
  const users = snapshot.users.map((u): WindowsUser => {
    const profile = profileInRoot(u.profile ?? "", drive);
    return { name: u.name, sid: u.sid, enabled: u.enabled, admin: u.admin, ...(profile ? { profile } : {}) };
  });
  const nics = snapshot.nics.flatMap((n) => {
    const mac = normalMac(n.mac.replaceAll("-", ":"));
    return mac && mac !== "00:00:00:00:00:00" ? [{ name: n.name, mac }] : [];
  });
  const build = snapshot.build ?? "";
  return {
    windows: { productName: productNameOf(snapshot.productName ?? "", build), edition: snapshot.edition ?? "", build, displayVersion: snapshot.displayVersion ?? "", installationType: snapshot.installationType ?? "" },
    systemDrive: drive,
    computerName: snapshot.computerName || null,
    users,
    adminGroup: snapshot.adminGroup || "Administrators",
    nics,
    volumes: snapshot.volumes.map((vol) => ({ letter: vol.letter, label: vol.label ?? "", fs: vol.fs ?? "" })),
    timezone: snapshot.timezone || null,
  };
}

export async function readWindowsFactsSnapshot(host: Host): Promise<WindowsFactsSnapshot> {
  const result = await host.run(powershellArgv(READ_FACTS.text), { input: asciiJson({}), timeoutMs: FACTS_TIMEOUT_MS });
  const what = "the Windows facts (powershell read-facts)";
  if (result.timedOut) throw new HostError(`${what}: no answer within ${FACTS_TIMEOUT_MS} ms`);
  if (result.code !== 0) throw new HostError(`${what}: exited ${result.code}: ${result.stderr.trim().split("\n").pop() ?? ""}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new HostError(`${what}: printed no JSON`);
  }
  return parseWith(SnapshotSchema, parsed, "powershell read-facts");
}

/**
 * Everything the Windows planners may look at, read once before planning. A running Windows is
 * asked through one PowerShell run; an image under --root is not running, so nothing is asked and
 * the live parts stay empty (the actions that need them wait for the image's first boot).
 */
export async function gatherWindowsFacts(host: Host, inputs: BootInputs, actions: readonly Action<WindowsFacts>[]): Promise<WindowsFacts> {
  const offline = host.root !== "/";
  const live = offline
    ? { windows: null, systemDrive: "C:", computerName: null, users: [], adminGroup: "Administrators", nics: [], volumes: [], timezone: null }
    : factsFromSnapshot(await readWindowsFactsSnapshot(host));
  const base: Omit<WindowsFacts, "files"> = {
    root: host.root,
    offline,
    ...live,
    now: host.now(),
    random: (bytes) => crypto.getRandomValues(new Uint8Array(bytes)),
  };
  const paths = [...new Set(actions.flatMap((a) => a.reads?.(inputs, base) ?? []))].sort();
  const contents = await Promise.all(paths.map((p) => readIfFile(host, p)));
  return { ...base, files: Object.fromEntries(paths.map((p, i) => [p, contents[i]])) };
}

/** One line for plans and status: "Windows Server 2022 Datacenter (build 20348, Server)". */
export function describeWindows(facts: WindowsFacts): string {
  const w = facts.windows;
  if (!w) return "Windows image (offline: not running, so its version and accounts are not read)";
  const extra = [w.displayVersion, w.build && `build ${w.build}`, w.installationType].filter(Boolean).join(", ");
  return `${w.productName || "Windows"}${extra ? ` (${extra})` : ""}`;
}
