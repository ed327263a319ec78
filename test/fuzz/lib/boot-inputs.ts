/**
 * What boot does with any transport's instance data before the first change: decode user-data and
 * vendor-data, convert the network (prepareInputs), then describe it for --json and the summary.
 * A transport target's result goes through all of it, so a value the reader let through that breaks
 * a later step is found where it entered.
 */
import { type BootInputs, prepareInputs } from "../../../src/actions/inputs.ts";
import type { InstanceData } from "../../../src/model/instance-data.ts";
import type { Nic } from "../../../src/model/network.ts";
import { formatInstanceData, viewInputs } from "../../../src/report/instance-data-view.ts";
import { expectJsonSerializable, expectValidNetworkConfig } from "./checks.ts";

export const NICS: Nic[] = [
  { name: "eth0", mac: "fa:16:3e:00:00:01" },
  { name: "eth1", mac: "fa:16:3e:00:00:02" },
  { name: "eth2", mac: "fa:16:3e:00:00:03" },
];

/** Boot's preparation of a transport's result: its InputErrors are refusals like the reader's own. */
export const prepare = (data: InstanceData): Promise<BootInputs> => prepareInputs(data, NICS);

/** A prepared result is valid when its network passes the model and its view survives JSON and text. */
export function expectValidInputs(inputs: unknown): void {
  const prepared = inputs as BootInputs;
  if (prepared.network) expectValidNetworkConfig(prepared.network, "the converted network");
  const view = viewInputs(prepared);
  expectJsonSerializable(view, "boot's view of the instance data");
  formatInstanceData(view);
}
