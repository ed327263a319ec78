import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { EXIT } from "../errors.ts";
import type { Host } from "../host/types.ts";
import { readJournal } from "../plan/journal.ts";
import { loadState } from "../state/state.ts";
import type { LastRun } from "../state/schema.ts";

export interface StatusView {
  lastRun: LastRun | null;
  /** Whether the last run happened in the current boot; null when either boot id is unknown. */
  thisBoot: boolean | null;
  /** An apply that was killed before it finished: where it stopped. */
  interruptedApply: { planId: string; startedAt: string; stepsDone: number; total: number; inProgress: string | null } | null;
  warnings: string[];
}

/** What `agent status` reports, read from the state under the host's root; changes nothing. */
export async function statusView(host: Host): Promise<StatusView> {
  const state = await loadState(host);
  const { journal, warning } = await readJournal(host);
  const last = state.lastRun;
  const thisBoot = last?.bootId && state.currentBootId ? last.bootId === state.currentBootId : null;
  const interruptedApply =
    journal?.state === "running"
      ? {
          planId: journal.planId,
          startedAt: journal.startedAt,
          stepsDone: journal.done.length,
          total: journal.total,
          inProgress: journal.inProgress ? `${journal.inProgress.action}: ${journal.inProgress.kind} ${journal.inProgress.target}` : null,
        }
      : null;
  return { lastRun: last, thisBoot, interruptedApply, warnings: [...state.warnings, ...(warning ? [warning] : [])] };
}

function table(rows: string[][], indent = "  "): string[] {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ")}`.trimEnd());
}

export function formatStatus(view: StatusView): string {
  const out: string[] = [];
  const run = view.lastRun;
  if (!run) out.push("no boot has run yet");
  else {
    const boot = view.thisBoot === null ? "" : view.thisBoot ? ", this boot" : ", an earlier boot";
    out.push(
      ...table(
        [
          ["last run", `${run.startedAt}, ${run.ms} ms${boot}`],
          ["source", `${run.source.transport} ${run.source.location}`],
          ["instance", `${run.instanceId}${run.newInstance ? " (new instance at that run)" : " (same instance as the run before)"}`],
          ["result", run.errors.length || run.actions.some((a) => a.result === "failed") ? "failed" : "ok"],
        ],
        "",
      ),
    );
    if (run.actions.length) {
      out.push("actions");
      out.push(...table(run.actions.map((a) => [a.name, a.result, `${a.ms} ms`, a.error ?? a.reason ?? ""])));
    }
    if (run.errors.length) out.push("errors", ...run.errors.map((e) => `  ${e}`));
  }
  const cut = view.interruptedApply;
  if (cut) {
    out.push(`interrupted apply: plan ${cut.planId.slice(0, 12)} started ${cut.startedAt} stopped after ${cut.stepsDone} of ${cut.total} steps${cut.inProgress ? `, during ${cut.inProgress}` : ""}; the next boot applies it again`);
  }
  for (const w of view.warnings) out.push(`warning: ${w}`);
  return `${out.join("\n")}\n`;
}

const command: AgentCommand = defineCommand({
  meta: {
    name: "status",
    description: "Show the last boot's source, instance id, and each action's result and timing; changes nothing",
  },
  args: globalArgs,
  async run({ args }) {
    const { host, json } = await contextFor(args);
    const view = await statusView(host);
    if (json) printJson(view.lastRun ? view : { ...view, message: "no boot has run yet" });
    else printText(formatStatus(view));
    return EXIT.ok;
  },
});

command.examples = [
  "agent status                      # the last boot on this machine",
  "agent status --root /mnt/image    # the last boot recorded in an image",
  "agent status --json               # the same as one object",
];

export default command;
