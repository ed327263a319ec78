import type { InstanceData } from "./instance-data.ts";
import type { Secret } from "./secret.ts";

/** How an agent update is verified: the digest the host sent with the URL. */
export interface UpdateDigest {
  algorithm: "md5" | "sha256";
  hex: string;
}

/**
 * What the host asks of a running agent, whatever wire it came over (DESIGN.md, "Commands in the
 * daemon"). Wire adapters translate to these; src/daemon/ carries them out through the same
 * actions as boot. Reading-only commands (version, features) are answered by the adapters alone.
 */
export type Command =
  /** The administrator's password: root on Linux, Administrator on Windows. */
  | { name: "set-password"; password: Secret }
  /** The host's current view of the instance (vm-data), applied through hostname and network. */
  | { name: "reset-network"; data: InstanceData }
  | { name: "inject-file"; path: string; content: Uint8Array }
  | { name: "agent-update"; url: string; digest: UpdateDigest };

export type CommandName = Command["name"];
