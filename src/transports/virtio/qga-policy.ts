import type { QgaCommand } from "./qga-types.ts";

/**
 * Which commands this daemon answers: qemu-ga's --allow-rpcs / --block-rpcs, plus the config
 * file's switches for whole kinds (guest-exec*, guest-file-*). An allow-list, when given, is all
 * that is enabled; a block-list and the switches then take commands away.
 */
export interface QgaPolicy {
  allow?: readonly string[];
  block: readonly string[];
  exec: boolean;
  fileAccess: boolean;
}

export const OPEN_POLICY: QgaPolicy = { block: [], exec: true, fileAccess: true };

/** Why a command is disabled, or null when it is enabled. */
export function disabledBecause(command: QgaCommand, policy: QgaPolicy): string | null {
  if (policy.allow && !policy.allow.includes(command.name)) return "not in allow-rpcs";
  if (policy.block.includes(command.name)) return "in block-rpcs";
  if (command.kind === "exec" && !policy.exec) return "exec is off in the config file";
  if (command.kind === "file" && !policy.fileAccess) return "file-access is off in the config file";
  return null;
}

/** Names in a policy that no command has: a typo there would silently leave a command enabled. */
export function unknownNames(policy: QgaPolicy, commands: readonly QgaCommand[]): string[] {
  const known = new Set(commands.map((c) => c.name));
  return [...(policy.allow ?? []), ...policy.block].filter((n) => !known.has(n));
}
