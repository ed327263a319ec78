import { HostError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import { ensureDir, writeAtomic } from "../plan/fs-helpers.ts";
import {
  BOOT_DONE_PATH,
  BOOT_ID_PATH,
  doneDirOf,
  donePathOf,
  INSTANCE_ID_PATH,
  instanceIdProblem,
  LAST_RUN_PATH,
  STATE_DIR,
} from "./paths.ts";
import { readJson } from "./read-json.ts";
import { BootDoneSchema, InstanceDoneSchema, LastRunSchema, type ActionRecord, type BootDone, type DoneEntry, type Frequency, type InstanceDone, type LastRun } from "./schema.ts";

export interface TetherState {
  /** The instance id the last run recorded, or null before the first run. */
  instanceId: string | null;
  /** This boot's id (the kernel's), or null where there is none (an offline --root image). */
  currentBootId: string | null;
  /** The per-instance actions done for the instance asked about (default: the recorded one). */
  done: InstanceDone | null;
  /** The per-boot actions done in the boot boot.json names. */
  boot: BootDone | null;
  lastRun: LastRun | null;
  /** Damaged records, each treated as absent. */
  warnings: string[];
}

export interface ActionInfo {
  name: string;
  frequency: Frequency;
}

async function readText(host: Host, path: string): Promise<string | null> {
  try {
    return (await host.fs.exists(path)) ? (await host.fs.readText(path)).trim() : null;
  } catch {
    return null;
  }
}

export async function readBootId(host: Host): Promise<string | null> {
  const id = await readText(host, BOOT_ID_PATH);
  return id ? id : null;
}

/**
 * Everything recorded under /var/lib/tether. `instanceId` names the instance whose per-instance
 * record to load (the one being booted); without it, the one the last run recorded.
 */
export async function loadState(host: Host, options: { instanceId?: string } = {}): Promise<TetherState> {
  const log = host.log.withTag("state");
  const warnings: string[] = [];
  const note = (warning: string | null) => {
    if (warning) {
      warnings.push(warning);
      log.warn(warning);
    }
  };

  let instanceId = await readText(host, INSTANCE_ID_PATH);
  if (instanceId !== null) {
    const problem = instanceIdProblem(instanceId);
    if (problem) {
      note(`${INSTANCE_ID_PATH}: ${JSON.stringify(instanceId)}: ${problem}; treated as absent`);
      instanceId = null;
    }
  }

  const wanted = options.instanceId ?? instanceId;
  let done: InstanceDone | null = null;
  if (wanted !== null && !instanceIdProblem(wanted)) {
    const read = await readJson(host, donePathOf(wanted), InstanceDoneSchema);
    note(read.warning);
    if (read.value && read.value.instanceId !== wanted) note(`${donePathOf(wanted)}: records instance ${JSON.stringify(read.value.instanceId)}; treated as absent`);
    else done = read.value;
  }

  const boot = await readJson(host, BOOT_DONE_PATH, BootDoneSchema);
  note(boot.warning);
  const lastRun = await readJson(host, LAST_RUN_PATH, LastRunSchema);
  note(lastRun.warning);
  return { instanceId, currentBootId: await readBootId(host), done, boot: boot.value, lastRun: lastRun.value, warnings };
}

export function isNewInstance(state: TetherState, instanceId: string): boolean {
  return state.instanceId !== instanceId;
}

/** Whether an action is due, and why, in words for the run record. */
export function decide(action: ActionInfo, state: TetherState, instanceId: string, bootId: string | null): { run: boolean; reason: string } {
  switch (action.frequency) {
    case "always":
      return { run: true, reason: "runs at every boot" };
    case "per-instance": {
      const entry = state.done?.instanceId === instanceId ? state.done.actions[action.name] : undefined;
      return entry ? { run: false, reason: `done for instance ${instanceId} at ${entry.at}` } : { run: true, reason: `not done yet for instance ${instanceId}` };
    }
    case "per-boot": {
      if (bootId === null) return { run: true, reason: "no boot id: every run counts as a new boot" };
      const entry = state.boot?.bootId === bootId ? state.boot.actions[action.name] : undefined;
      return entry ? { run: false, reason: `done in this boot at ${entry.at}` } : { run: true, reason: "not done yet in this boot" };
    }
  }
}

export function shouldRun(action: ActionInfo, state: TetherState, instanceId: string, bootId: string | null): boolean {
  return decide(action, state, instanceId, bootId).run;
}

export interface RunRecord {
  source: { transport: string; location: string };
  instanceId: string;
  bootId: string | null;
  /** host.now() values. */
  startedAt: number;
  finishedAt: number;
  actions: ActionRecord[];
  errors: string[];
}

function merged(previous: Record<string, DoneEntry> | undefined, actions: ActionRecord[], frequency: Frequency, at: string): Record<string, DoneEntry> {
  const out: Record<string, DoneEntry> = { ...previous };
  for (const a of actions) if (a.frequency === frequency && a.result === "ok") out[a.name] = { result: "ok", ms: a.ms, at };
  return out;
}

/**
 * Records a run. The done records are written before last-run.json and instance-id, so a kill in
 * between costs at most a wrong "new instance" note, never a per-instance action run twice.
 */
export async function recordRun(host: Host, state: TetherState, run: RunRecord): Promise<LastRun> {
  const problem = instanceIdProblem(run.instanceId);
  if (problem) throw new HostError(`instance id ${JSON.stringify(run.instanceId)}: ${problem}; nothing recorded`);
  const { fs } = host;
  const at = new Date(run.finishedAt).toISOString();
  const write = (path: string, value: unknown) => writeAtomic(fs, path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });

  // The state dir first, so its missing parents (/var, /var/lib) are made 0755 and only what is below it 0700.
  await ensureDir(fs, STATE_DIR, 0o700);
  await ensureDir(fs, doneDirOf(run.instanceId), 0o700, 0o700);

  // Read again rather than trust `state`: it may have been loaded for another instance.
  const previous = await readJson(host, donePathOf(run.instanceId), InstanceDoneSchema);
  const prevActions = previous.value?.instanceId === run.instanceId ? previous.value.actions : undefined;
  const done: InstanceDone = { version: 1, instanceId: run.instanceId, actions: merged(prevActions, run.actions, "per-instance", at) };
  await write(donePathOf(run.instanceId), done);

  if (run.bootId !== null) {
    const prevBoot = state.boot?.bootId === run.bootId ? state.boot.actions : undefined;
    await write(BOOT_DONE_PATH, { version: 1, bootId: run.bootId, actions: merged(prevBoot, run.actions, "per-boot", at) } satisfies BootDone);
  }

  const lastRun: LastRun = {
    version: 1,
    source: run.source,
    instanceId: run.instanceId,
    newInstance: isNewInstance(state, run.instanceId),
    bootId: run.bootId,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: at,
    ms: Math.max(0, run.finishedAt - run.startedAt),
    actions: run.actions,
    errors: run.errors,
  };
  await write(LAST_RUN_PATH, lastRun);
  await writeAtomic(fs, INSTANCE_ID_PATH, `${run.instanceId}\n`, { mode: 0o600 });
  host.log.withTag("state").debug(`recorded run of instance ${run.instanceId}: ${run.actions.length} action(s), ${run.errors.length} error(s)`);
  return lastRun;
}
