import { STATE_DIR } from "../plan/journal.ts";

export { STATE_DIR };
export const INSTANCE_ID_PATH = `${STATE_DIR}/instance-id`;
export const LAST_RUN_PATH = `${STATE_DIR}/last-run.json`;
export const BOOT_DONE_PATH = `${STATE_DIR}/boot.json`;
export const INSTANCES_DIR = `${STATE_DIR}/instances`;
/** The kernel's id for this boot: a new one at every start. Under --root, the target's (usually absent). */
export const BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id";

/**
 * An instance id names a directory: refuse anything that could step out of instances/ or confuse a
 * reader, even though the transports already refuse slashes and white space.
 */
export function instanceIdProblem(id: string): string | null {
  if (id === "" || id.length > 255) return "expected 1 to 255 characters";
  if (id === "." || id === "..") return "must not be . or ..";
  if (/[\s/\\]/.test(id)) return "must not contain white space or slashes";
  if (/[\x00-\x1f\x7f]/.test(id)) return "must not contain control characters";
  return null;
}

export function doneDirOf(instanceId: string): string {
  return `${INSTANCES_DIR}/${instanceId}`;
}

export function donePathOf(instanceId: string): string {
  return `${doneDirOf(instanceId)}/done.json`;
}
