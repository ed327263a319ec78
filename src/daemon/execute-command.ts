import { authorizedKeysEditAction, keysPathOf, keysTargetOf } from "../actions/authorized-keys-edit.ts";
import { hostnameAction } from "../actions/hostname.ts";
import { injectedFilesAction } from "../actions/injected-files.ts";
import { prepareInputs } from "../actions/inputs.ts";
import { networkAction } from "../actions/network.ts";
import { passwordsAction } from "../actions/passwords.ts";
import { planBoot } from "../actions/plan-boot.ts";
import type { Action, BaseFacts, OsFacts } from "../actions/types.ts";
import { HostError, InputError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import type { CloudConfig } from "../model/cloud-config/index.ts";
import type { Command } from "../model/command.ts";
import type { InstanceData } from "../model/instance-data.ts";
import type { Secret } from "../model/secret.ts";
import type { TransportName } from "../model/transport-names.ts";
import { readHostNics } from "../network/host-nics.ts";
import { backendFor } from "../os/backend.ts";
import { windowsDaemonActions } from "../os/windows/daemon-actions.ts";
import type { WindowsFacts } from "../os/windows/windows-facts.ts";
import { applyPlan, type ApplyResult } from "../plan/apply.ts";
import type { Plan } from "../plan/change.ts";
import { STATE_DIR } from "../plan/journal.ts";
import type { UserData } from "../userdata/index.ts";
import { applyBoot, planFor } from "../boot/run-boot.ts";
import { DAEMON_APPLY_WAIT_MS, holderOf, withBootLock } from "../boot/boot-lock.ts";
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

interface ApplyExtras<F extends BaseFacts> {
  /** Cloud-config the actions read, as if it came with user-data (a command's own settings). */
  userData?: UserData;
  /** Runs once the facts are known and before planning: refuses what the facts rule out. */
  check?(facts: F): void | Promise<void>;
}

/**
 * Validates and plans first, like boot: a command either has a whole plan or changes nothing. The
 * actions are the running OS's (backendFor), so are the facts they plan from.
 */
async function applyActions<F extends BaseFacts>(ctx: DaemonContext, data: InstanceData, actions: Action<F>[], extras: ApplyExtras<F> = {}): Promise<ApplyResult> {
  const inputs = await prepareInputs(data, await readHostNics(ctx.host.fs));
  if (extras.userData) inputs.userData = extras.userData;
  const facts = (await backendFor(ctx.host).gatherFacts(ctx.host, inputs, actions as Action<BaseFacts>[])) as F;
  await extras.check?.(facts);
  return checked(await applyPlan(ctx.host, planBoot(actions, inputs, facts), { journalPath: DAEMON_JOURNAL }));
}

/** The administrator whose password a set-password without a user sets (Nova's `password`). */
export const ADMIN_USER = "root";

/**
 * A password as boot's cloud-config would give it: one chpasswd entry, text (hashed by the passwords
 * action) or a crypt hash as given, never expired; `users: []` so that no distribution default user
 * comes into the plan.
 */
function passwordConfig(user: string, password: Secret, crypted: boolean): UserData {
  const config = { users: [], chpasswd: { expire: false, users: [{ name: user, type: crypted ? "hash" : "text", password }] } } as unknown as CloudConfig;
  return { config, scripts: [], writeFileContents: [], warnings: [] };
}

/** cloud-config's `password`: the default user's, never expired. */
function defaultUserPasswordConfig(password: Secret): UserData {
  const config = { users: ["default"], password, chpasswd: { expire: false, users: [] } } as unknown as CloudConfig;
  return { config, scripts: [], writeFileContents: [], warnings: [] };
}

/** The passwords action's refusals name its cloud-config fields; a host asked for one user's password. */
function asPasswordRequest(error: unknown, user: string): unknown {
  if (!(error instanceof InputError)) return error;
  const problems = error.problems.map((p) => ({ path: p.path.replace(/^chpasswd\.users\[0\]\.?/, ""), message: p.message }));
  return new InputError(`set-password for ${JSON.stringify(user)}`, problems);
}

const AUTHORIZED_KEYS_MAX = 1 << 20;

/**
 * What the planner cannot see: a user-made symlink at ~/.ssh/authorized_keys (root would read the
 * link's target into a file the user owns), and a file the facts would not read (not a regular
 * file, or larger than they read), which a rewrite would silently lose.
 */
async function checkKeysFile(host: Host, facts: OsFacts, user: string, reset: boolean): Promise<void> {
  const target = keysTargetOf(facts, user);
  if (!target) throw new HostError(`authorized-keys: no user ${JSON.stringify(user)} in the target's /etc/passwd`);
  const path = keysPathOf(target.home);
  const lstat = await host.fs.lstat(path);
  if (!lstat) return;
  if (lstat.type === "symlink" && user !== "root") throw new HostError(`${path} is a symlink, which ${user} could have made: refused`);
  // A reset does not read the old content: whatever it was is replaced.
  if (reset) return;
  const stat = lstat.type === "symlink" ? await host.fs.stat(path) : lstat;
  if (stat && stat.type !== "file") throw new HostError(`${path} is a ${stat.type}, not a file: refused`);
  if (stat && stat.size > AUTHORIZED_KEYS_MAX) throw new HostError(`${path} is ${stat.size} bytes, over ${AUTHORIZED_KEYS_MAX}: refused rather than rewritten`);
}

function checked(result: ApplyResult): ApplyResult {
  if (result.ok) return result;
  const failed = result.steps.find((s) => s.status === "failed");
  throw new HostError(failed ? `${failed.action}: ${failed.target}: ${failed.message ?? "failed"}` : "a step failed");
}

const changed = (result: ApplyResult) => result.steps.filter((s) => s.status === "ok").length;

/**
 * Carries out one host command through the boot actions: set-password through passwords (a
 * chpasswd entry for the user, root when none is named), authorized-keys through a planner of
 * its own with ssh-keys' modes and owners, reset-network through hostname and network, inject-file
 * through injected-files (its modes and owners), agent-update through a plan of its own.
 */
export async function executeCommand(ctx: DaemonContext, command: Command): Promise<CommandOutcome> {
  if (ctx.host.platform === "win32") return executeOnWindows(ctx, command);
  switch (command.name) {
    case "set-password": {
      const user = command.user ?? ADMIN_USER;
      const userData = passwordConfig(user, command.password, command.crypted === true);
      const check = (facts: OsFacts) => {
        if (!facts.passwd.some((p) => p.name === user)) throw new HostError(`set-password: no user ${JSON.stringify(user)} in the target's /etc/passwd`);
      };
      try {
        const result = await applyActions<OsFacts>(ctx, dataFor(ctx, {}), [passwordsAction], { userData, check });
        return { message: `password of ${user} set`, result };
      } catch (error) {
        throw asPasswordRequest(error, user);
      }
    }
    case "authorized-keys": {
      const { user } = command;
      const check = (facts: OsFacts) => checkKeysFile(ctx.host, facts, user, command.reset === true);
      const action = authorizedKeysEditAction({ user, add: command.add, remove: command.remove, reset: command.reset });
      const result = await applyActions<OsFacts>(ctx, dataFor(ctx, {}), [action], { check });
      return { message: `SSH keys of ${user}: ${changed(result)} change(s)`, result };
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
    case "apply":
      return applyCommand(ctx, command);
    case "agent-update": {
      const bytes = await downloadUpdate(ctx.host, { url: command.url, digest: command.digest }, ctx.update);
      const plan: Plan = planAgentUpdate(bytes, { binaryPath: ctx.binaryPath, offline: ctx.host.root !== "/" });
      const result = checked(await applyPlan(ctx.host, plan, { journalPath: DAEMON_JOURNAL }));
      return { message: `agent updated from ${displayUrl(command.url)}`, result };
    }
  }
}

/**
 * The same commands through the Windows actions: a password for a local account (the built-in
 * Administrator when none is named), the name and network again, an injected file on the system
 * drive. SSH key edits are not built for Windows yet; a crypt hash cannot set a Windows password.
 */
async function executeOnWindows(ctx: DaemonContext, command: Command): Promise<CommandOutcome> {
  const windows = windowsDaemonActions();
  switch (command.name) {
    case "set-password": {
      if (command.crypted) throw new HostError("set-password: a crypt hash cannot set a Windows password (give the password itself)");
      const user = command.user ?? "Administrator";
      // No user named: the built-in Administrator, which the Windows accounts find by its RID 500
      // as the default user, whatever this Windows calls it ("Administrateur").
      const userData = command.user === undefined ? defaultUserPasswordConfig(command.password) : passwordConfig(user, command.password, false);
      const check = (facts: WindowsFacts) => {
        if (command.user !== undefined && !facts.users.some((u) => u.name.toLowerCase() === user.toLowerCase())) throw new HostError(`set-password: no local user ${JSON.stringify(user)} on this Windows`);
      };
      try {
        const result = await applyActions<WindowsFacts>(ctx, dataFor(ctx, {}), [windows.passwords], { userData, check });
        return { message: `password of ${user} set`, result };
      } catch (error) {
        throw asPasswordRequest(error, user);
      }
    }
    case "reset-network": {
      const result = await applyActions<WindowsFacts>(ctx, command.data, [windows.hostname, windows.network]);
      return { message: `network reset: ${changed(result)} change(s)`, result };
    }
    case "inject-file": {
      if (command.content.length > INJECT_MAX_BYTES) throw new HostError(`injectfile ${command.path}: ${command.content.length} bytes, over the ${INJECT_MAX_BYTES}-byte limit`);
      const result = await applyActions<WindowsFacts>(ctx, dataFor(ctx, { files: [{ path: command.path, content: command.content }] }), [windows.injectedFiles]);
      return { message: `wrote ${command.path}`, result };
    }
    case "authorized-keys":
      throw new HostError("authorized-keys: SSH key edits are not built for Windows yet (the boot's ssh-keys action writes them)");
    case "apply":
      return applyCommand(ctx, command);
    case "agent-update":
      throw new HostError("agentupdate: replacing the running agent is not built for Windows yet (a running .exe cannot be renamed over)");
  }
}

/**
 * What a boot would do now: the due actions (per-boot ones, per-instance ones for a new instance),
 * recorded for agent status as a boot is. The running OS's backend plans it.
 */
async function applyCommand(ctx: DaemonContext, command: Extract<Command, { name: "apply" }>): Promise<CommandOutcome> {
  const inputs = await prepareInputs(command.data, await readHostNics(ctx.host.fs));
  // Boot's lock: this writes the same records and journal as a boot, which may be running now.
  const lock = { holder: holderOf(ctx.host, `agent daemon's apply of instance ${command.data.instanceId}`), waitMs: DAEMON_APPLY_WAIT_MS, log: ctx.host.log, hint: "ask again once it is done" };
  const { boot, result } = await withBootLock(ctx.host, lock, async () => {
    const boot = await planFor(ctx.host, inputs);
    return { boot, result: await applyBoot(ctx.host, inputs, boot, ctx.host.log) };
  });
  checked(result);
  const due = boot.decisions.filter((d) => d.run).map((d) => d.action);
  return { message: `applied instance ${command.data.instanceId}: ${due.length ? due.join(", ") : "nothing due"}; ${changed(result)} change(s)`, result };
}
