import type { SourceNetworkConfig } from "../../model/instance-data.ts";
import { NetworkConfigSchema, type NetworkConfig, type Nic } from "../../model/network.ts";
import { parseWith } from "../../model/validate.ts";
import { fromEc2 } from "./ec2.ts";
import { fromOpenstack } from "./openstack.ts";
import { fromV1 } from "./v1.ts";
import { fromV2 } from "./v2.ts";
import { fromXen } from "./xen.ts";

export { fromEc2, fromOpenstack, fromV1, fromV2, fromXen };

const CONVERTERS = { v1: fromV1, v2: fromV2, openstack: fromOpenstack, ec2: fromEc2, xen: fromXen } as const;

/**
 * Any source's network configuration in the one intermediate form. `nics` are the host's NICs
 * (name and MAC), which name the interfaces that a source knows only by MAC. Throws an InputError
 * naming every bad field; returns nothing partial. The result is checked against the model's schema
 * as well: boot renders it as it is, and a converter's gap must not become a line in a config file.
 */
export function toNetworkConfig(source: SourceNetworkConfig, nics: readonly Nic[]): NetworkConfig {
  return parseWith(NetworkConfigSchema, CONVERTERS[source.format](source.config, nics, source.source), `${source.source} (converted)`);
}
