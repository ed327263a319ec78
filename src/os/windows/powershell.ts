import { Secret } from "../../model/secret.ts";
import type { Change } from "../../plan/change.ts";

/** A constant PowerShell script: its data never becomes part of its text (it comes as JSON on stdin). */
export interface PowerShellScript {
  /** What plans and journals show: "powershell set-computer-name". */
  name: string;
  text: string;
}

/**
 * `-EncodedCommand` takes the script as base64 of UTF-16LE, so no quoting of ours ever stands
 * between the text and PowerShell; -NoProfile keeps the machine's profile scripts out.
 */
export function powershellArgv(script: string): string[] {
  const utf16 = new Uint8Array(Uint16Array.from({ length: script.length }, (_, i) => script.charCodeAt(i)).buffer);
  return ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", Buffer.from(utf16).toString("base64")];
}

/**
 * Every script starts the same way: stop at the first error, print it on stderr as one line and exit
 * 1 (PowerShell's own error records span lines and are localized), and read `$data` from stdin.
 */
const PREAMBLE = `$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap { [Console]::Error.WriteLine([string]$_.Exception.Message); exit 1 }
$data = [Console]::In.ReadToEnd() | ConvertFrom-Json
`;

export function defineScript(name: string, body: string): PowerShellScript {
  return { name, text: `${PREAMBLE}${body.trim()}\n` };
}

/**
 * JSON for PowerShell's stdin, ASCII only: powershell.exe decodes stdin with the console's OEM code
 * page, which would mangle "Zoë"; a \\u escape survives any code page and ConvertFrom-Json undoes it.
 */
export function asciiJson(value: unknown): string {
  return `${JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}

export interface StepOptions {
  reason: string;
  /** The data holds a password: it goes in as a Secret (never shown, never journaled). */
  secret?: boolean;
  timeoutMs?: number;
}

/** PowerShell's start-up alone takes a second or two on a small VM; nothing of ours should take minutes. */
export const POWERSHELL_TIMEOUT_MS = 5 * 60_000;

/** One run of a constant script with its data on stdin. */
export function powershellStep(script: PowerShellScript, data: unknown, options: StepOptions): Change {
  const json = asciiJson(data);
  return {
    kind: "run",
    argv: powershellArgv(script.text),
    input: options.secret ? new Secret(json) : json,
    timeoutMs: options.timeoutMs ?? POWERSHELL_TIMEOUT_MS,
    show: `powershell ${script.name}`,
    reason: options.reason,
  };
}
