import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { EXIT } from "../errors.ts";
import { statusView, type StatusView } from "../state/status-view.ts";

export { statusView, type StatusView };

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
