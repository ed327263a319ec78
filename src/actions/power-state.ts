import type { Action } from "./types.ts";
import { InputError } from "../errors.ts";
import type { PowerState } from "../model/cloud-config/index.ts";
import type { Change } from "../plan/change.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import type { OsFacts } from "./types.ts";

/**
 * Runs the condition (the argv after the first $1 words, which are the action's argv) and, only when
 * it exits 0, the action. The script is constant: the user's words reach it as arguments, never as
 * script text. A condition that is not met is not a failure, as in cloud-init.
 */
export const CONDITION_SCRIPT = [
  'n=$1; shift; t=$#',
  'if ( shift "$n"; "$@" ); then',
  '  i=0',
  '  for a do [ "$i" -lt "$n" ] && set -- "$@" "$a"; i=$((i+1)); done',
  '  shift "$t"',
  '  exec "$@"',
  "fi",
  'echo "power_state: condition not met: not acting" >&2',
].join("\n");

const SHUTDOWN_FLAG = { poweroff: "-P", reboot: "-r", halt: "-H" } as const;

/** systemd's shutdown takes minutes and a wall message; busybox (Alpine) takes seconds and no message. */
function actionArgv(ps: PowerState, facts: OsFacts): string[] {
  if (facts.distro.means.services === "openrc") return [ps.mode, "-d", String(ps.delay * 60)];
  return ["shutdown", SHUTDOWN_FLAG[ps.mode], ps.delay === 0 ? "now" : `+${ps.delay}`, ...(ps.message ? [ps.message] : [])];
}

/**
 * cloud-config `power_state` (cc_power_state_change), per instance. The boot puts this action last,
 * so "wait for the agent's work to end" is the plan's order; `timeout` bounds the condition.
 */
export const powerStateAction: Action = {
  name: "power-state",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const view = cloudConfigOf(inputs);
    const ps = view.config.power_state;
    if (Array.isArray(ps?.condition) && ps.condition.length === 0) {
      throw new InputError(view.sourceOf("power_state"), [{ path: "power_state.condition", message: "expected a command (an empty list runs nothing)" }]);
    }
    if (!ps || ps.condition === false || facts.offline) return [];
    const action = actionArgv(ps, facts);
    const when = ps.delay === 0 ? "now" : `in ${ps.delay} minute(s)`;
    const dropped = ps.message && facts.distro.means.services === "openrc" ? " (busybox takes no message: not shown)" : "";
    const reason = `power_state ${ps.mode} ${when} from user-data${dropped}`;
    if (ps.condition === true) return [{ kind: "run", argv: action, timeoutMs: 30_000, reason }];
    const condition = typeof ps.condition === "string" ? ["/bin/sh", "-c", ps.condition] : ps.condition;
    const argv = ["/bin/sh", "-c", CONDITION_SCRIPT, "tether-power-state", String(action.length), ...action, ...condition];
    const change: Change = { kind: "run", argv, timeoutMs: Math.max(1, ps.timeout) * 1000, reason: `${reason}, if its condition exits 0` };
    return [change];
  },
  notes(inputs, facts) {
    const ps = cloudConfigOf(inputs).config.power_state;
    if (!ps) return [];
    if (ps.condition === false) return ["power_state: condition is false: no power change"];
    return facts.offline ? [`power_state ${ps.mode}: never under --root; left for the target's first boot`] : [];
  },
};
