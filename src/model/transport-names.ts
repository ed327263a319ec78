/** Every way the agent can talk to its cloud; the names the CLI and the probe use. */
export const TRANSPORT_NAMES = ["config-drive", "nocloud", "metadata-http", "xenstore", "virtio"] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];
