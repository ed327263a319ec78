import type { Figure, Section } from "./results.ts";

function value(f: Figure): string {
  const spread = f.p10 !== undefined && f.p90 !== undefined ? ` (${f.p10}–${f.p90})` : f.p90 !== undefined ? ` (p90 ${f.p90})` : "";
  return `${f.median} ${f.unit}${spread}`;
}

/** One table: every figure with its spread and runs, then every ratio with its target. */
export function tableOf(sections: Section[], when: string, machine: string, failedBenches: string[]): string {
  const lines = [`Measured ${when} on ${machine}. Medians; in brackets p10–p90 (or p90). Ratios are measured in the same run on the same input.`, ""];
  lines.push("| bench | case | median | runs | note |", "|---|---|---|---|---|");
  for (const s of sections) for (const f of s.figures) lines.push(`| ${s.id} | ${f.case} | ${value(f)} | ${f.runs ?? ""} | ${f.note ?? ""} |`);
  const ratios = sections.flatMap((s) => s.ratios.map((r) => ({ s, r })));
  if (ratios.length) {
    lines.push("", "| bench | ratio | value | target |", "|---|---|---|---|");
    for (const { s, r } of ratios) lines.push(`| ${s.id} | ${r.name} | ${r.value}× | ${r.target ? `${r.target}: ${r.met ? "met" : "missed"}` : ""} |`);
  }
  lines.push("", ...sections.map((s) => `- ${s.id} (${s.title}): ${s.context.join("; ")}`));
  if (failedBenches.length) lines.push("", `Failed in this run: ${failedBenches.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}
