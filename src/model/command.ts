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
  /**
   * A password: of `user`, else the administrator (root on Linux, Administrator on Windows).
   * `crypted`: the Secret is already a crypt(3) hash (QGA's guest-set-user-password crypted=true).
   */
  | { name: "set-password"; user?: string; password: Secret; crypted?: boolean }
  /** A user's authorized_keys: keys added (or, with reset, the whole list) and keys removed. */
  | { name: "authorized-keys"; user: string; add?: string[]; remove?: string[]; reset?: boolean }
  /** The host's current view of the instance (vm-data), applied through hostname and network. */
  | { name: "reset-network"; data: InstanceData }
  | { name: "inject-file"; path: string; content: Uint8Array }
  /** Everything boot would do now with this instance data (QGA's tether-apply). */
  | { name: "apply"; data: InstanceData }
  | { name: "agent-update"; url: string; digest: UpdateDigest };

export type CommandName = Command["name"];
