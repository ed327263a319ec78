import type { ConsolaInstance } from "consola/core";
import type { BootInputs } from "../actions/inputs.ts";
import { planBoot } from "../actions/plan-boot.ts";
import type { Action, BaseFacts } from "../actions/types.ts";
import type { Host } from "../host/types.ts";
import { backendFor, type OsBackend } from "../os/backend.ts";
import { actionOutcomes, applyPlan, firstFailureWith, type ApplyResult } from "../plan/apply.ts";
import type { Plan } from "../plan/change.ts";
import { decide, loadState, readBootId, recordRun, type TetherState } from "../state/index.ts";

export interface BootPlan {
  plan: Plan;
  /** Every action with whether it is due and why ("new instance", "done for this instance"). */
  decisions: { action: string; run: boolean; reason: string }[];
  state: TetherState;
  bootId: string | null;
  due: Action<BaseFacts>[];
  /** What the due actions say besides their changes (work kept for the first boot, the final message). */
  notes: string[];
  offline: boolean;
  backend: OsBackend;
  /** The target in a line: "Debian GNU/Linux 12 (bookworm)", "Windows Server 2022 Datacenter (…)". */
  target: string;
}

/** Steps that end the boot (a reboot, a power-off) apply only after the run is recorded. */
const FINAL_ACTIONS = new Set(["power-state"]);

/** Which actions are due, the facts they need, and their plan: all before the first change. */
export async function planFor(host: Host, inputs: BootInputs, backend: OsBackend = backendFor(host)): Promise<BootPlan> {
  const instanceId = inputs.data.instanceId;
  const [state, bootId] = await Promise.all([loadState(host, { instanceId }), readBootId(host)]);
  const actions = backend.actions;
  const decisions = actions.map((a) => ({ action: a.name, ...decide(a, state, instanceId, bootId) }));
  const due = actions.filter((_, i) => decisions[i]?.run);
  const facts = await backend.gatherFacts(host, inputs, due);
  const notes = due.flatMap((a) => a.notes?.(inputs, facts) ?? []);
  return { plan: planBoot(due, inputs, facts), decisions, state, bootId, due, notes, offline: facts.offline, backend, target: backend.describe(facts) };
}

/** Applies the plan and records the run, whatever its outcome, for `agent status` and the next boot. */
export async function applyBoot(host: Host, inputs: BootInputs, boot: BootPlan, log: ConsolaInstance): Promise<ApplyResult> {
  const startedAt = host.now();
  for (const note of boot.notes) log.withTag("boot").info(note);
  const main = { ...boot.plan, steps: boot.plan.steps.filter((s) => !FINAL_ACTIONS.has(s.action)) };
  const final = { ...boot.plan, steps: boot.plan.steps.filter((s) => FINAL_ACTIONS.has(s.action)) };
  const result = await applyPlan(host, main);
  const outcomes = new Map(actionOutcomes(result).map((o) => [o.action, o]));
  const restart = result.steps.find((s) => s.request?.restart);
  const again = new Set(result.steps.filter((s) => s.request?.again).map((s) => s.action));
  const restartAt = restart ? boot.decisions.findIndex((d) => d.action === restart.action) : -1;
  const actions = boot.decisions.map((d, i) => {
    const frequency = boot.backend.actions.find((a) => a.name === d.action)?.frequency ?? "always";
    const outcome = outcomes.get(d.action);
    if (!d.run) return { name: d.action, frequency, result: "skipped" as const, ms: 0, reason: d.reason };
    // Not recorded as done, so the next boot runs it whole, as cloudbase-init runs such a plugin again.
    if (again.has(d.action)) return { name: d.action, frequency, result: "skipped" as const, ms: outcome?.ms ?? 0, reason: "a script exited 1002 or 1003: runs again at the next boot" };
    if (restart && i > restartAt && (!outcome || outcome.result === "not-run")) return { name: d.action, frequency, result: "skipped" as const, ms: 0, reason: `after the restart ${restart.target} asked for` };
    // Prepared in an image, not done: the target's first boot must run it whole.
    if (boot.offline && boot.due.find((a) => a.name === d.action)?.deferredWhenOffline) {
      return { name: d.action, frequency, result: "skipped" as const, ms: outcome?.ms ?? 0, reason: "prepared offline; runs at the target's first boot" };
    }
    if (!outcome || outcome.result === "not-run") return { name: d.action, frequency, result: result.ok ? ("ok" as const) : ("skipped" as const), ms: outcome?.ms ?? 0 };
    return { name: d.action, frequency, result: outcome.result, ms: outcome.ms, ...(outcome.error ? { error: outcome.error } : {}) };
  });
  await recordRun(host, boot.state, {
    source: inputs.data.source,
    instanceId: inputs.data.instanceId,
    bootId: boot.bootId,
    startedAt,
    finishedAt: host.now(),
    actions,
    errors: actions.flatMap((a) => ("error" in a && a.error ? [`${a.name}: ${a.error}`] : [])),
  }).catch((error: unknown) => {
    throw firstFailureWith(result.steps, error, "the run could not be recorded");
  });
  for (const warning of result.warnings) log.withTag("boot").warn(warning);
  // Recorded first: a reboot that kills the agent must not make the next start run it all again.
  if (restart) {
    log.withTag("boot").info(`restarting: ${restart.target} exited ${restart.run?.code} (asks for a restart)`);
    const steps = [{ action: "power-state", changes: [{ kind: "run" as const, argv: boot.backend.restartArgv(`Tether: a user-data script asked for a restart (exit ${restart.run?.code})`), timeoutMs: 30_000, reason: `restart: ${restart.target} exited ${restart.run?.code}` }] }];
    const last = await applyPlan(host, { instanceId: boot.plan.instanceId, steps });
    return { ...last, steps: [...result.steps, ...last.steps], ms: result.ms + last.ms };
  }
  if (!result.ok || final.steps.length === 0) return result;
  const last = await applyPlan(host, final);
  return { ...last, steps: [...result.steps, ...last.steps], ms: result.ms + last.ms };
}
