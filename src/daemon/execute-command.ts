import { hostnameAction } from "../actions/hostname.ts";
import { injectedFilesAction } from "../actions/injected-files.ts";
import { prepareInputs } from "../actions/inputs.ts";
import { networkAction } from "../actions/network.ts";
import { passwordsAction } from "../actions/passwords.ts";
import { planBoot } from "../actions/plan-boot.ts";
import type { Action } from "../actions/types.ts";
import { HostError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import type { Command } from "../model/command.ts";
import type { InstanceData } from "../model/instance-data.ts";
import type { TransportName } from "../model/transport-names.ts";
import { readHostNics } from "../network/host-nics.ts";
import { gatherFacts } from "../os/linux/facts.ts";
import { applyPlan, type ApplyResult } from "../plan/apply.ts";
import type { Plan } from "../plan/change.ts";
import { STATE_DIR } from "../plan/journal.ts";
import { displayUrl, downloadUpdate, planAgentUpdate } from "./agent-update.ts";
import { checkInjectPath, INJECT_MAX_BYTES } from "./inject-policy.ts";

/** The daemon journals apart from boot, so a command during a boot cannot take over boot's journal. */
export const DAEMON_JOURNAL = `${STATE_DIR}/daemon-journal.json`;

export interface DaemonContext {
  host: Host;
  /** Which wire the command came over, for plan reasons and records. */
  transport: TransportName;
  location: string;
  /** The agent binary agentupdate replaces. */
  binaryPath: string;
  /** An agentupdate download's limits. */
  update: { maxBytes: number; timeoutMs: number };
}

/** What a command did, in one line for the host; never holds a secret. */
export interface CommandOutcome {
  message: string;
  result: ApplyResult;
}

function dataFor(ctx: DaemonContext, fields: Partial<InstanceData>): InstanceData {
  return { source: { transport: ctx.transport, location: ctx.location }, instanceId: "daemon", publicKeys: [], files: [], metadata: {}, ...fields };
}

/** Validates and plans first, like boot: a command either has a whole plan or changes nothing. */
async function applyActions(ctx: DaemonContext, data: InstanceData, actions: Action[]): Promise<ApplyResult> {
  const inputs = await prepareInputs(data, await readHostNics(ctx.host.fs));
  const facts = await gatherFacts(ctx.host, inputs, actions);
  return checked(await applyPlan(ctx.host, planBoot(actions, inputs, facts), { journalPath: DAEMON_JOURNAL }));
}

function checked(result: ApplyResult): ApplyResult {
  if (result.ok) return result;
  const failed = result.steps.find((s) => s.status === "failed");
  throw new HostError(failed ? `${failed.action}: ${failed.target}: ${failed.message ?? "failed"}` : "a step failed");
}

const changed = (result: ApplyResult) => result.steps.filter((s) => s.status === "ok").length;

/**
 * Carries out one host command through the boot actions: set-password through passwords (the
 * cloud's admin password, as at boot), reset-network through hostname and network, inject-file
 * through injected-files (its modes and owners), agent-update through a plan of its own.
 */
export async function executeCommand(ctx: DaemonContext, command: Command): Promise<CommandOutcome> {
  switch (command.name) {
    case "set-password": {
      const result = await applyActions(ctx, dataFor(ctx, { adminPassword: command.password }), [passwordsAction]);
      return { message: "password set", result };
    }
    case "reset-network": {
      const result = await applyActions(ctx, command.data, [hostnameAction, networkAction]);
      return { message: `network reset: ${changed(result)} change(s)`, result };
    }
    case "inject-file": {
      const path = checkInjectPath(command.path, `${ctx.transport} injectfile`);
      if (command.content.length > INJECT_MAX_BYTES) throw new HostError(`injectfile ${path}: ${command.content.length} bytes, over the ${INJECT_MAX_BYTES}-byte limit`);
      const result = await applyActions(ctx, dataFor(ctx, { files: [{ path, content: command.content }] }), [injectedFilesAction]);
      return { message: `wrote ${path}`, result };
    }
    case "agent-update": {
      const bytes = await downloadUpdate(ctx.host, { url: command.url, digest: command.digest }, ctx.update);
      const plan: Plan = planAgentUpdate(bytes, { binaryPath: ctx.binaryPath, offline: ctx.host.root !== "/" });
      const result = checked(await applyPlan(ctx.host, plan, { journalPath: DAEMON_JOURNAL }));
      return { message: `agent updated from ${displayUrl(command.url)}`, result };
    }
  }
}
