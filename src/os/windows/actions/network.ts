import type { Action } from "../../../actions/types.ts";
import { unsupportedInterfaces, windowsNetworkSpec, type WindowsNetworkSpec } from "../network-spec.ts";
import { powershellStep } from "../powershell.ts";
import { SET_NETWORK } from "../scripts/set-network.ts";
import type { WindowsFacts } from "../windows-facts.ts";

/** What the script reads: the notes are for the boot's log, not for Windows. */
export const setNetworkData = (spec: WindowsNetworkSpec) => ({ adapters: spec.adapters, suffixSearchList: spec.suffixSearchList });

const note = (text: string) => `network: ${text}`;

/**
 * The network configuration applied to Windows' adapters by MAC, every boot as on Linux (the cloud
 * may change it). Under --root there is nothing to apply it to: NetTCPIP configures running
 * adapters, whose identities (interface GUIDs) an offline image does not have yet, so the target's
 * first boot does it.
 */
export const windowsNetworkAction: Action<WindowsFacts> = {
  name: "network",
  frequency: "per-boot",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    if (!inputs.network || facts.offline) return [];
    const spec = windowsNetworkSpec(inputs.network, facts.nics);
    if (!spec.adapters.length && !spec.suffixSearchList) return [];
    const names = spec.adapters.map((a) => `${a.interface} on ${JSON.stringify(a.name)}`).join(", ") || "no adapter";
    return [powershellStep(SET_NETWORK, setNetworkData(spec), { reason: `network configuration from ${inputs.data.source.transport}: ${names}, matched by MAC` })];
  },
  notes(inputs, facts) {
    if (!inputs.network) return [];
    if (facts.offline) return [note("not configured under --root: Windows configures running adapters, so the target's first boot does it"), ...unsupportedInterfaces(inputs.network).notes.map(note)];
    return windowsNetworkSpec(inputs.network, facts.nics).notes.map(note);
  },
};
