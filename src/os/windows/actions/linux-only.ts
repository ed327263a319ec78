import { cloudConfigOf } from "../../../actions/cloud-config-of.ts";
import type { Action } from "../../../actions/types.ts";
import type { WindowsFacts } from "../windows-facts.ts";

/**
 * cloud-config keys whose Linux means have no Windows counterpart in Tether yet, with what to use
 * instead (ssh_pwauth and disable_root are the passwords and ssh-keys actions' own notes).
 */
const LINUX_ONLY: Record<string, string> = {
  bootcmd: "use a #ps1 user-data script",
  manage_etc_hosts: "write C:\\Windows\\System32\\drivers\\etc\\hosts with write_files",
  ntp: "Windows keeps time with w32time (w32tm /config in a #ps1 script)",
  ca_certs: "Import-Certificate in a #ps1 script",
  packages: "a #ps1 script (winget, choco, msiexec)",
  package_update: "Windows Update",
  growpart: "Resize-Partition in a #ps1 script",
  resize_rootfs: "Resize-Partition in a #ps1 script",
};

/** Says, once per instance, which of the user-data's keys Windows does not apply: nothing is silently dropped. */
export const windowsLinuxOnlyAction: Action<WindowsFacts> = {
  name: "linux-only-keys",
  frequency: "per-instance",
  plan: () => [],
  notes(inputs) {
    const { config, sourceOf } = cloudConfigOf(inputs);
    const present = config as Record<string, unknown>;
    return Object.entries(LINUX_ONLY)
      .filter(([key]) => present[key] !== undefined && present[key] !== false)
      .map(([key, instead]) => `${sourceOf(key as keyof typeof config)}: ${key} is not applied on Windows (${instead})`);
  },
};
