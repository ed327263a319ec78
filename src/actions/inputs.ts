import { InputError } from "../errors.ts";
import type { InstanceData } from "../model/instance-data.ts";
import type { NetworkConfig, Nic } from "../model/network.ts";
import { toNetworkConfig } from "../network/convert/index.ts";
import { readUserData, type UserData } from "../userdata/index.ts";

/** Everything the actions plan from, decoded and validated: nothing is changed before this succeeds. */
export interface BootInputs {
  data: InstanceData;
  userData?: UserData;
  vendorData?: UserData;
  network?: NetworkConfig;
  warnings: string[];
}

/**
 * Decodes user-data, vendor-data and the network configuration. Bad user-data or network config
 * stops the boot (the user's own input, which must not be half applied); bad vendor-data is set
 * aside with a warning, as cloud-init does, since the user cannot fix the cloud's part.
 */
export async function prepareInputs(data: InstanceData, nics: readonly Nic[]): Promise<BootInputs> {
  const where = data.source.location;
  const inputs: BootInputs = { data, warnings: [] };
  if (data.userData) {
    inputs.userData = await readUserData(data.userData, { source: `${where} user-data` });
    inputs.warnings.push(...inputs.userData.warnings);
  }
  if (data.vendorData) {
    try {
      inputs.vendorData = await readUserData(data.vendorData, { source: `${where} vendor-data` });
      inputs.warnings.push(...inputs.vendorData.warnings);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      inputs.warnings.push(`vendor-data set aside: ${error.message}`);
    }
  }
  if (data.network) inputs.network = toNetworkConfig(data.network, nics);
  return inputs;
}
