import type { Secret } from "./secret.ts";
import type { TransportName } from "./transport-names.ts";

/**
 * A network configuration as its source gave it, shape-checked. The one intermediate network form
 * (issue #6) replaces this; until then it is carried, not interpreted.
 * v1/v2: cloud-init network config; openstack: network_data.json; ec2: the metadata service's
 * network/interfaces/macs tree; xen: vm-data/networking.
 */
export interface SourceNetworkConfig {
  format: "v1" | "v2" | "openstack" | "ec2" | "xen";
  source: string;
  config: Record<string, unknown>;
}

/** A file the cloud asks to be written (OpenStack's injected files, meta_data.json `files`). */
export interface InjectedFile {
  path: string;
  content: Uint8Array;
}

/** What the cloud says about this instance, whatever transport said it. */
export interface InstanceData {
  source: { transport: TransportName; location: string };
  instanceId: string;
  hostname?: string;
  fqdn?: string;
  publicKeys: string[];
  /** The administrator's password (OpenStack admin_pass): never printed, never logged. */
  adminPassword?: Secret;
  userData?: Uint8Array;
  vendorData?: Uint8Array;
  network?: SourceNetworkConfig;
  files: InjectedFile[];
  /** Everything else the source said, for actions and `agent status` to consult. */
  metadata: Record<string, unknown>;
}
