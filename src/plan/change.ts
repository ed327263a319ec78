import type { Secret } from "../model/secret.ts";

/** Who owns a file: names, resolved against the target's own /etc/passwd and /etc/group at apply. */
export interface Owner {
  user: string;
  group: string;
}

/**
 * One change to the machine, as an action plans it. Actions are pure: they return these and never
 * touch anything; src/plan/apply.ts carries them out through the Host, in order.
 */
export type Change =
  | {
      kind: "write";
      path: string;
      /** The whole new content. Secret content (a shadow line, a key) is never shown in a diff. */
      content: string | Uint8Array | Secret;
      mode: number;
      owner?: Owner;
      /** Why: shown in the plan ("hostname from meta-data"). */
      reason: string;
    }
  | { kind: "mkdir"; path: string; mode: number; owner?: Owner; reason: string }
  | { kind: "remove"; path: string; reason: string }
  | {
      kind: "run";
      argv: string[];
      /** Standard input: chpasswd's "user:hash" lines are a Secret. */
      input?: string | Secret;
      /** Longest the program may take; killed and reported past it. */
      timeoutMs?: number;
      /**
       * What plans and journals show instead of the argv, when the argv says nothing to a reader
       * (PowerShell's -EncodedCommand is base64): "powershell set-computer-name". The argv still runs.
       */
      show?: string;
      /**
       * Exit codes with a meaning beyond failure. "cloudbase-init": a user-data script's 1001 asks for a
       * reboot, 1002 to run again at the next boot, 1003 both (cloudbase-init's convention, which
       * Windows images' scripts rely on). Either way the step counts as done.
       */
      exitCodes?: "cloudbase-init";
      reason: string;
    };

/** The plan of one boot: every action's changes, in the order they apply. */
export interface Plan {
  instanceId: string;
  steps: { action: string; changes: Change[] }[];
}
