import { expect } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BootInputs } from "../../../src/actions/inputs.ts";
import type { Action } from "../../../src/actions/types.ts";
import { Secret } from "../../../src/model/secret.ts";
import type { WindowsFacts } from "../../../src/os/windows/windows-facts.ts";
import type { Change } from "../../../src/plan/change.ts";
import { REPO } from "../../helpers/run-agent.ts";

/** A small Windows Server 2022 as the facts gatherer would see it: two NICs, the built-in accounts, a config drive. */
export function windowsFacts(overrides: Partial<WindowsFacts> = {}): WindowsFacts {
  let n = 0;
  const root = overrides.root ?? "/";
  return {
    root,
    offline: root !== "/",
    nics: [
      { name: "Ethernet", mac: "fa:16:3e:00:00:01" },
      { name: "Ethernet 2", mac: "fa:16:3e:00:00:02" },
    ],
    files: {},
    now: Date.UTC(2026, 0, 1),
    random: (bytes) => Uint8Array.from({ length: bytes }, () => (n = (n * 37 + 11) & 0xff)),
    windows: { productName: "Windows Server 2022 Datacenter", edition: "ServerDatacenter", build: "20348", displayVersion: "21H2", installationType: "Server" },
    systemDrive: "C:",
    computerName: "WIN-7QK2M1",
    users: [
      { name: "Administrator", sid: "S-1-5-21-1004336348-1177238915-682003330-500", enabled: true, admin: true, profile: "/Users/Administrator" },
      { name: "Guest", sid: "S-1-5-21-1004336348-1177238915-682003330-501", enabled: false, admin: false },
      { name: "carol", sid: "S-1-5-21-1004336348-1177238915-682003330-1001", enabled: true, admin: false, profile: "/Users/carol" },
    ],
    adminGroup: "Administrators",
    volumes: [
      { letter: "C:", label: "", fs: "NTFS" },
      { letter: "D:", label: "config-2", fs: "CDFS" },
    ],
    timezone: "UTC",
    ...overrides,
  };
}

/** The same machine seen under --root: an image being prepared, nothing of the live system known. */
export function offlineWindowsFacts(overrides: Partial<WindowsFacts> = {}): WindowsFacts {
  return windowsFacts({ root: "/mnt/image", offline: true, windows: null, computerName: null, users: [], nics: [], volumes: [], timezone: null, ...overrides });
}

/** Runs `reads` and fills facts.files from `files`, as the facts gatherer does, then plans. */
export function planWindows(action: Action<WindowsFacts>, inputs: BootInputs, facts: WindowsFacts, files: Record<string, string> = {}): Change[] {
  const paths = action.reads?.(inputs, facts) ?? [];
  const seen = Object.fromEntries(paths.map((p) => [p, files[p]]));
  return action.plan(inputs, { ...facts, files: seen });
}

/**
 * A plan as a person reads it: one block per change. PowerShell runs show their script's name and
 * their stdin (never the base64 of -EncodedCommand, which would change with every edit of a script
 * and says nothing); secret input shows as such.
 */
export function formatChanges(changes: readonly Change[]): string {
  const out: string[] = [];
  for (const c of changes) {
    switch (c.kind) {
      case "write": {
        const content = c.content instanceof Secret ? "(secret)" : typeof c.content === "string" ? c.content : `(${c.content.length} bytes)`;
        out.push(`write ${c.path} ${c.mode.toString(8).padStart(4, "0")}${c.owner ? ` ${c.owner.user}:${c.owner.group}` : ""}`, `  # ${c.reason}`, ...content.replace(/\n$/, "").split("\n").map((l) => `  | ${l}`));
        break;
      }
      case "mkdir":
        out.push(`mkdir ${c.path} ${c.mode.toString(8).padStart(4, "0")}`, `  # ${c.reason}`);
        break;
      case "remove":
        out.push(`remove ${c.path}`, `  # ${c.reason}`);
        break;
      case "run": {
        out.push(`run ${c.show ?? JSON.stringify(c.argv)}`, `  # ${c.reason}`);
        if (c.show?.startsWith("powershell ")) expect(c.argv.slice(0, 6)).toEqual(["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]);
        if (c.input instanceof Secret) out.push("  < (secret)");
        else if (c.input !== undefined) out.push(...(typeof c.input === "string" ? c.input : "").replace(/\n$/, "").split("\n").map((l) => `  < ${l}`));
        if (c.timeoutMs !== undefined) out.push(`  time limit ${c.timeoutMs} ms`);
        if (c.exitCodes) out.push(`  exit codes: ${c.exitCodes}`);
        break;
      }
    }
  }
  return `${out.join("\n")}\n`;
}

export const WINDOWS_GOLDENS = join(REPO, "test/fixtures/windows");

/** Compares with test/fixtures/windows/NAME; UPDATE_GOLDENS=1 writes it instead. */
export function expectGolden(name: string, text: string): void {
  const path = join(WINDOWS_GOLDENS, name);
  if (process.env.UPDATE_GOLDENS === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  if (!existsSync(path)) throw new Error(`${name}: no golden file (run with UPDATE_GOLDENS=1 and review what it wrote)`);
  expect(text).toBe(readFileSync(path, "utf8"));
}

/** What the read-facts script prints on a small Windows Server 2022, for tests of a fake win32 host. */
export function readFactsOutput(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    productName: "Windows Server 2022 Datacenter",
    build: "20348",
    computerName: "WIN-1",
    systemDrive: "C:",
    adminGroup: "Administrators",
    timezone: "UTC",
    users: [{ name: "Administrator", sid: "S-1-5-21-1-2-3-500", enabled: true, admin: true, profile: "C:\\Users\\Administrator" }],
    nics: [],
    volumes: [],
    ...overrides,
  });
}
