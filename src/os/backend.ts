import { ACTIONS } from "../actions/index.ts";
import type { BootInputs } from "../actions/inputs.ts";
import type { Action, BaseFacts, OsFacts } from "../actions/types.ts";
import type { Host } from "../host/types.ts";
import { gatherFacts } from "./linux/facts.ts";
import { WINDOWS_ACTIONS } from "./windows/actions/index.ts";
import { describeWindows, gatherWindowsFacts } from "./windows/facts.ts";
import { shutdownArgv } from "./windows/restart.ts";
import type { WindowsFacts } from "./windows/windows-facts.ts";

/** One OS's means: its actions, the facts they plan from, and how it restarts. */
export interface OsBackend<F extends BaseFacts = BaseFacts> {
  os: "linux" | "windows";
  actions: readonly Action<F>[];
  gatherFacts(host: Host, inputs: BootInputs, actions: readonly Action<F>[]): Promise<F>;
  /** The target in a line, for plans: "Debian GNU/Linux 12 (bookworm)". */
  describe(facts: F): string;
  /** A restart now, for a step that asked for one (a Windows script's exit 1001). */
  restartArgv(reason: string): string[];
}

export const LINUX_BACKEND: OsBackend<OsFacts> = {
  os: "linux",
  actions: ACTIONS,
  gatherFacts,
  describe: (facts) => facts.distro.prettyName ?? facts.distro.id ?? "Linux (unknown distribution)",
  restartArgv: (reason) => ["shutdown", "-r", "now", reason],
};

export const WINDOWS_BACKEND: OsBackend<WindowsFacts> = {
  os: "windows",
  actions: WINDOWS_ACTIONS,
  gatherFacts: gatherWindowsFacts,
  describe: describeWindows,
  restartArgv: (reason) => shutdownArgv("reboot", 0, reason),
};

/** The backend of the system the agent runs on: the target of a --root is taken to be the same OS. */
export function backendFor(host: Pick<Host, "platform">): OsBackend {
  return host.platform === "win32" ? WINDOWS_BACKEND : LINUX_BACKEND;
}
