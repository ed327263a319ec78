import type { Nic } from "../model/network.ts";
import type { GroupEntry, PasswdEntry } from "../os/linux/passwd.ts";
import type { Distro } from "../os/linux/distro.ts";
import type { Change } from "../plan/change.ts";
import type { BootInputs } from "./inputs.ts";

/**
 * What every OS backend gathers before planning, so that planners stay pure: same inputs and
 * facts, same changes. Each backend adds its own (OsFacts for Linux, WindowsFacts for Windows).
 */
export interface BaseFacts {
  /** "/" for the running system; a directory for --root, given to tools as `-R ROOT`/`--root ROOT`. */
  root: string;
  /** True when configuring an image (--root): user scripts and services are not run, only kept. */
  offline: boolean;
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

/** What the Linux backend gathers (src/os/linux/facts.ts): the distro and the target's own accounts. */
export interface OsFacts extends BaseFacts {
  distro: Distro;
  passwd: PasswdEntry[];
  group: GroupEntry[];
}

export type Frequency = "per-instance" | "per-boot" | "always";

/** One thing boot does. Pure: it reads only its arguments and returns the changes it wants. */
export interface Action<F extends BaseFacts = OsFacts> {
  name: string;
  frequency: Frequency;
  /** Files whose current content `plan` needs (e.g. /etc/hosts, a user's authorized_keys). */
  reads?(inputs: BootInputs, facts: Omit<F, "files">): string[];
  plan(inputs: BootInputs, facts: F): Change[];
  /**
   * What a plan cannot say as a change: work skipped (offline, refused Windows scripts), the final
   * message. Never holds a secret. The boot logs these.
   */
  notes?(inputs: BootInputs, facts: F): string[];
  /**
   * Part of the work needs the running target (programs, services), so under --root it is only
   * prepared: an offline run does not record the action as done, and the target's first boot does
   * it whole.
   */
  deferredWhenOffline?: true;
}
