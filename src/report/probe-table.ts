import type { ProbeResult } from "../probe/index.ts";

/** The probe's result for a person: one row per transport, evidence beneath, then the choice. */
export function formatProbe(result: ProbeResult): string {
  const width = Math.max(9, ...result.candidates.map((c) => c.transport.length));
  const lines = [`${"TRANSPORT".padEnd(width)}  VERDICT  ${"MS".padStart(5)}  EVIDENCE`];
  for (const c of result.candidates) {
    const [first = "", ...rest] = c.evidence;
    lines.push(`${c.transport.padEnd(width)}  ${c.verdict.padEnd(7)}  ${String(c.ms).padStart(5)}  ${first}`);
    for (const line of rest) lines.push(`${"".padEnd(width + 2 + 7 + 2 + 5)}  ${line}`);
  }
  const p = result.platform;
  const named = [p.cloud && `cloud ${p.cloud}`, p.hypervisor && `hypervisor ${p.hypervisor}`].filter(Boolean).join(", ");
  const dmi = [p.dmi.sys_vendor, p.dmi.product_name].filter(Boolean).join(" / ");
  lines.push("", `platform: ${p.os}${named ? `, ${named}` : ""}${dmi ? ` (dmi: ${dmi})` : ""}`);
  for (const line of p.evidence) lines.push(`  ${line}`);
  const at = (name: string | null) => {
    const c = result.candidates.find((x) => x.transport === name);
    return name ? `${name}${c?.location ? ` (${c.location})` : ""}` : "none";
  };
  lines.push(`instance data from: ${at(result.chosen)}`, `daemon channel: ${at(result.channel)}`, `probe took ${result.elapsedMs} ms`);
  return lines.join("\n");
}
