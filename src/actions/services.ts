import type { OsFacts } from "./types.ts";

/**
 * Restart a service by the distro's service manager. systemctl does not wait for the job: the boot
 * runs before network-pre.target, and a unit ordered after it would wait for us while we wait for it.
 */
export function restartArgv(facts: OsFacts, service: string): string[] {
  return facts.distro.means.services === "openrc" ? ["rc-service", service, "restart"] : ["systemctl", "--no-block", "restart", service];
}
