import type { Nic } from "../model/network.ts";
import type { GroupEntry, PasswdEntry } from "../os/linux/passwd.ts";
import type { Distro } from "../os/linux/distro.ts";
import type { Change } from "../plan/change.ts";
import type { BootInputs } from "./inputs.ts";

/**
 * What the machine looks like, gathered by the OS backend before planning (src/os/linux/facts.ts),
 * so that planners stay pure: same inputs and facts, same changes.
 */
export interface OsFacts {
  /** "/" for the running system; a directory for --root, given to tools as `-R ROOT`/`--root ROOT`. */
  root: string;
  /** True when configuring an image (--root): user scripts and services are not run, only kept. */
  offline: boolean;
  distro: Distro;
  passwd: PasswdEntry[];
  group: GroupEntry[];
  nics: Nic[];
  /**
   * Current content of the files the actions named in `reads` (undefined when absent). Binary
   * files are read as latin1 text; actions only read text files.
   */
  files: Readonly<Record<string, string | undefined>>;
  /** Wall clock at planning (ms since the epoch), for record-keeping only. */
  now: number;
  /** Random bytes (password salts). Injected so that tests are deterministic. */
  random(bytes: number): Uint8Array;
}

export type Frequency = "per-instance" | "per-boot" | "always";

/** One thing boot does. Pure: it reads only its arguments and returns the changes it wants. */
export interface Action {
  name: string;
  frequency: Frequency;
  /** Files whose current content `plan` needs (e.g. /etc/hosts, a user's authorized_keys). */
  reads?(inputs: BootInputs, facts: Omit<OsFacts, "files">): string[];
  plan(inputs: BootInputs, facts: OsFacts): Change[];
  /**
   * What a plan cannot say as a change: work skipped (offline, refused Windows scripts), the final
   * message. Never holds a secret. The boot logs these.
   */
  notes?(inputs: BootInputs, facts: OsFacts): string[];
  /**
   * Part of the work needs the running target (programs, services), so under --root it is only
   * prepared: an offline run does not record the action as done, and the target's first boot does
   * it whole.
   */
  deferredWhenOffline?: true;
}
