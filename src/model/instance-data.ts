import type { TransportName } from "./transport-names.ts";

/**
 * A network configuration as its source gave it, version checked. The one intermediate network
 * form (issue #6) replaces this; until then it is carried, not interpreted.
 */
export interface SourceNetworkConfig {
  format: "v1" | "v2";
  source: string;
  config: Record<string, unknown>;
}

/** What the cloud says about this instance, whatever transport said it. */
export interface InstanceData {
  source: { transport: TransportName; location: string };
  instanceId: string;
  hostname?: string;
  publicKeys: string[];
  userData?: Uint8Array;
  vendorData?: Uint8Array;
  network?: SourceNetworkConfig;
  /** Everything else the source said, for actions and `agent status` to consult. */
  metadata: Record<string, unknown>;
}
