import { cloudConfigOf } from "../../../actions/cloud-config-of.ts";
import type { Action } from "../../../actions/types.ts";
import type { Change } from "../../../plan/change.ts";
import { renames } from "../computer-name.ts";
import { shutdownArgv } from "../restart.ts";
import type { WindowsFacts } from "../windows-facts.ts";

/** shutdown.exe's /t takes at most ten years of seconds. */
const MAX_DELAY_S = 315_360_000;

/**
 * cloud-config `power_state`, and the restart a new computer name needs (cloudbase-init restarts
 * for it too): last in the boot, applied after the run is recorded. A power_state in the user-data
 * decides over that restart, `condition: false` included. A command as condition is a shell
 * command on Linux; on Windows it is not run, and nothing is done (a note says so).
 */
export const windowsPowerStateAction: Action<WindowsFacts> = {
  name: "power-state",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    if (facts.offline) return [];
    const ps = cloudConfigOf(inputs).config.power_state;
    if (ps) {
      if (ps.condition !== true) return [];
      const mode = ps.mode === "reboot" ? "reboot" : "poweroff";
      const comment = ps.message ?? `Tether: power_state ${ps.mode} from user-data`;
      const change: Change = { kind: "run", argv: shutdownArgv(mode, Math.min(ps.delay * 60, MAX_DELAY_S), comment), timeoutMs: 30_000, reason: `power_state ${ps.mode}${ps.delay ? ` in ${ps.delay} minute(s)` : " now"} from user-data` };
      return [change];
    }
    const name = renames(inputs, facts);
    if (!name) return [];
    return [{ kind: "run", argv: shutdownArgv("reboot", 0, `Tether: the computer name ${name.netbios} takes effect after a restart`), timeoutMs: 30_000, reason: `restart: the new computer name ${name.netbios} takes effect after a restart (power_state in user-data decides otherwise)` }];
  },
  notes(inputs, facts) {
    const ps = cloudConfigOf(inputs).config.power_state;
    if (!ps) return [];
    if (ps.condition === false) return ["power_state: condition is false: no power change"];
    if (ps.condition !== true) return ["power_state: a command as condition is a Linux shell command; on Windows it is not run, so no power change"];
    const notes = ps.mode === "halt" ? ["power_state: halt is a power-off on Windows"] : [];
    if (facts.offline) notes.push(`power_state ${ps.mode}: never under --root; left for the image's first boot`);
    return notes;
  },
};
