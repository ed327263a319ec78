import { latin1 } from "./base64.ts";

/**
 * cloud-init's content-type by first characters (handlers.INCLUSION_TYPES_MAP): matched after
 * leading white space, case-insensitively, the longest prefix first.
 */
const STARTS: [string, string][] = (
  [
    ["#include", "text/x-include-url"],
    ["#include-once", "text/x-include-once-url"],
    ["#!", "text/x-shellscript"],
    ["#cloud-config", "text/cloud-config"],
    ["#part-handler", "text/part-handler"],
    ["#cloud-boothook", "text/cloud-boothook"],
    ["#cloud-config-archive", "text/cloud-config-archive"],
    ["#cloud-config-jsonp", "text/cloud-config-jsonp"],
    ["## template: jinja", "text/jinja2"],
  ] as [string, string][]
).sort((a, b) => b[0].length - a[0].length);

/**
 * cloudbase-init's (and EC2Launch's) Windows scripts, by their first line. Type names of our own:
 * they never appear in a Content-Type, only as what detection found.
 */
export const WINDOWS_TYPES = {
  ps1: "x-tether/ps1",
  ps1_sysnative: "x-tether/ps1-sysnative",
  cmd: "x-tether/cmd",
  powershell: "x-tether/powershell",
} as const;

function windowsType(head: string): string | undefined {
  const firstLine = (head.split(/\r?\n/, 1)[0] ?? "").trim().toLowerCase();
  if (firstLine === "#ps1") return WINDOWS_TYPES.ps1;
  if (firstLine === "#ps1_sysnative") return WINDOWS_TYPES.ps1_sysnative;
  if (/^rem\s+cmd$/.test(firstLine)) return WINDOWS_TYPES.cmd;
  if (head.toLowerCase().startsWith("<powershell>")) return WINDOWS_TYPES.powershell;
  return undefined;
}

/** The content-type the first characters of a payload say, or undefined when they say nothing. */
export function typeFromStart(body: Uint8Array): string | undefined {
  // Only the start matters; latin1 keeps it byte for byte whatever the encoding of the rest.
  const head = latin1(body.subarray(0, 256)).trimStart();
  const lower = head.toLowerCase();
  for (const [prefix, type] of STARTS) if (lower.startsWith(prefix)) return type;
  return windowsType(head);
}
