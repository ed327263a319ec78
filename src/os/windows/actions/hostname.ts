import type { Action } from "../../../actions/types.ts";
import { computerNameOf, NETBIOS_MAX, renames } from "../computer-name.ts";
import { powershellStep } from "../powershell.ts";
import { SET_COMPUTER_NAME } from "../scripts/set-computer-name.ts";
import type { WindowsFacts } from "../windows-facts.ts";

/**
 * The computer's name, per instance as on Linux. Windows applies a new name at the next start: the
 * power-state action then restarts the machine at the end of the boot (as cloudbase-init does),
 * unless the user-data's power_state says otherwise. Offline there is no running system to rename.
 */
export const windowsHostnameAction: Action<WindowsFacts> = {
  name: "hostname",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const name = renames(inputs, facts);
    if (!name) return [];
    return [powershellStep(SET_COMPUTER_NAME, { name: name.dns }, { reason: `computer name ${name.netbios} (DNS host name ${name.dns}) from ${name.from}, in effect after a restart` })];
  },
  notes(inputs, facts) {
    const name = computerNameOf(inputs);
    if (!name) return [];
    const notes: string[] = [];
    if (name.truncated) notes.push(`hostname: ${JSON.stringify(name.dns)} is longer than NetBIOS's ${NETBIOS_MAX} characters: the computer name is ${name.netbios}, the DNS host name stays ${name.dns}`);
    if (facts.offline) notes.push(`hostname: ${name.netbios} is set at the image's first boot (a computer name is the running system's)`);
    return notes;
  },
};
