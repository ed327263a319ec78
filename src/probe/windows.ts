import * as v from "valibot";
import { HostError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import { parseWith } from "../model/validate.ts";
import { LABELS, transportOfLabel } from "./labels.ts";
import { classifyDmi } from "./dmi.ts";
import type { CandidateFinding, PlatformFacts } from "./types.ts";
import { AGENT_PORTS } from "./virtio.ts";
import { powershellArgv } from "../os/windows/powershell.ts";

/**
 * One PowerShell run answers every local question on Windows: DMI through CIM, volume labels with
 * their drive letters, and whether each agent port can be opened. A constant script, passed
 * encoded, with no data of ours in it.
 */
const SCRIPT = `
$ErrorActionPreference = 'SilentlyContinue'
$c = Get-CimInstance Win32_ComputerSystem; $p = Get-CimInstance Win32_ComputerSystemProduct
$b = Get-CimInstance Win32_BIOS; $e = Get-CimInstance Win32_SystemEnclosure | Select-Object -First 1
$volumes = @(Get-CimInstance Win32_Volume | Where-Object { $_.DriveLetter } | ForEach-Object { @{ letter = $_.DriveLetter; label = [string]$_.Label; fs = [string]$_.FileSystem } })
$ports = @(${AGENT_PORTS.map((p) => `'${p}'`).join(",")} | ForEach-Object {
  $n = $_
  try { $f = [System.IO.File]::Open("\\\\.\\Global\\$n", 'Open', 'ReadWrite', 'ReadWrite'); $f.Close(); @{ name = $n; state = 'open' } }
  catch { @{ name = $n; state = $_.Exception.GetType().Name } }
})
@{ sys_vendor = [string]$c.Manufacturer; product_name = [string]$c.Model; product_uuid = [string]$p.UUID
   product_serial = [string]$b.SerialNumber; bios_vendor = [string]$b.Manufacturer; chassis_asset_tag = [string]$e.SMBIOSAssetTag
   volumes = $volumes; ports = $ports } | ConvertTo-Json -Depth 4 -Compress
`;
export { SCRIPT as WINDOWS_PROBE_SCRIPT };


const Text = v.optional(v.nullable(v.string()), "");
const SnapshotSchema = v.object({
  sys_vendor: Text,
  product_name: Text,
  product_uuid: Text,
  product_serial: Text,
  bios_vendor: Text,
  chassis_asset_tag: Text,
  volumes: v.optional(v.array(v.object({ letter: v.string(), label: Text, fs: Text })), []),
  ports: v.optional(v.array(v.object({ name: v.string(), state: v.string() })), []),
});
export type WindowsSnapshot = v.InferOutput<typeof SnapshotSchema>;

export async function windowsSnapshot(host: Host, timeoutMs: number): Promise<WindowsSnapshot> {
  const result = await host.run(powershellArgv(SCRIPT), { timeoutMs });
  if (result.timedOut) throw new HostError(`powershell gave no answer within ${timeoutMs} ms`);
  if (result.code !== 0) throw new HostError(`powershell exited ${result.code}: ${result.stderr.trim().slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new HostError("powershell printed no JSON");
  }
  return parseWith(SnapshotSchema, parsed, "powershell probe");
}

export function windowsPlatform(snapshot: WindowsSnapshot): PlatformFacts {
  const dmi: Record<string, string> = {};
  for (const key of ["sys_vendor", "product_name", "product_uuid", "product_serial", "bios_vendor", "chassis_asset_tag"] as const) {
    const value = snapshot[key]?.trim();
    if (value) dmi[key] = value;
  }
  return { os: "win32", dmi, ...classifyDmi(dmi), evidence: [] };
}

/** A port that is open elsewhere (qemu-ga's service holds it) still proves the port exists. */
const PORT_PRESENT = new Set(["open", "IOException", "UnauthorizedAccessException"]);

/** Not looked for, whatever the snapshot says: there is nothing the agent could open. */
export const XENSTORE_ON_WINDOWS: CandidateFinding = {
  transport: "xenstore",
  verdict: "skipped",
  evidence: [
    "not supported on Windows yet: a Windows guest reaches XenStore through the Xen PV drivers' WMI provider (CitrixXenStoreBase), not through a device or socket the agent can open as it does on Linux",
    "use the config drive, the metadata service or the virtio port on Windows",
  ],
};

export function windowsCandidates(snapshot: WindowsSnapshot): CandidateFinding[] {
  const findings: CandidateFinding[] = [];
  const volumes = snapshot.volumes.map((v) => `${v.letter}\\ ${v.fs || "?"} label ${JSON.stringify(v.label ?? "")}`);
  for (const transport of ["config-drive", "nocloud"] as const) {
    const hit = snapshot.volumes.find((v) => transportOfLabel(v.label ?? "") === transport);
    findings.push(
      hit
        ? { transport, verdict: "found", evidence: [`${hit.letter}\\ ${hit.fs} label ${JSON.stringify(hit.label)}`], location: `${hit.letter}\\` }
        : { transport, verdict: "absent", evidence: [`no volume labelled ${LABELS[transport]}`, ...volumes] },
    );
  }
  const ports = snapshot.ports.map((p) => ({ ...p, present: PORT_PRESENT.has(p.state) }));
  const port = ports.find((p) => p.present);
  const portLines = ports.map((p) => `\\\\.\\Global\\${p.name}: ${p.present ? (p.state === "open" ? "opens" : "present, in use") : `absent (${p.state})`}`);
  findings.push(port ? { transport: "virtio", verdict: "found", evidence: portLines, location: `\\\\.\\Global\\${port.name}` } : { transport: "virtio", verdict: "absent", evidence: portLines });
  findings.push(XENSTORE_ON_WINDOWS);
  return findings;
}
