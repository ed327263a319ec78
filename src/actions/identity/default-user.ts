import type { User } from "../../model/cloud-config/index.ts";
import type { Distro } from "../../os/linux/distro.ts";

/**
 * The "default" user, as cloud-init's stock cloud.cfg defines it for each distribution (its
 * config/cloud.cfg.tmpl): the account a cloud image's users log in as (`ssh debian@…`). The name and
 * groups follow that table so that an image moving from cloud-init to Tether keeps its login.
 * Distributions cloud-init has no entry for have no default user here: "default" is then refused
 * where it is asked for, and nothing is created where it is only implied.
 */
interface Variant {
  name: string;
  gecos: string;
  groups: string[];
  shell: string;
}

const bash = "/bin/bash";
const RHEL = { groups: ["adm", "systemd-journal"], shell: bash };

const VARIANTS: Record<string, Variant> = {
  debian: { name: "debian", gecos: "Debian", groups: ["adm", "audio", "cdrom", "dialout", "dip", "floppy", "netdev", "plugdev", "sudo", "video"], shell: bash },
  ubuntu: { name: "ubuntu", gecos: "Ubuntu", groups: ["adm", "cdrom", "dip", "lxd", "sudo"], shell: bash },
  rhel: { name: "cloud-user", gecos: "Cloud User", ...RHEL },
  centos: { name: "cloud-user", gecos: "Cloud User", ...RHEL },
  rocky: { name: "rocky", gecos: "rocky Cloud User", ...RHEL },
  almalinux: { name: "almalinux", gecos: "almalinux Cloud User", ...RHEL },
  cloudlinux: { name: "cloudlinux", gecos: "cloudlinux Cloud User", ...RHEL },
  virtuozzo: { name: "virtuozzo", gecos: "virtuozzo Cloud User", ...RHEL },
  fedora: { name: "fedora", gecos: "fedora Cloud User", groups: ["wheel", "adm", "systemd-journal"], shell: bash },
  amazon: { name: "ec2-user", gecos: "EC2 Default User", groups: ["wheel", "adm", "systemd-journal"], shell: bash },
  suse: { name: "suse", gecos: "suse Cloud User", groups: ["cdrom", "users"], shell: bash },
  arch: { name: "arch", gecos: "arch Cloud User", groups: ["wheel", "users"], shell: bash },
  alpine: { name: "alpine", gecos: "alpine Cloud User", groups: ["adm", "wheel"], shell: "/bin/ash" },
};

/** os-release IDs whose cloud-init variant has another name. */
const VARIANT_OF_ID: Record<string, string> = {
  amzn: "amazon",
  sles: "suse",
  sled: "suse",
  opensuse: "suse",
  "opensuse-leap": "suse",
  "opensuse-tumbleweed": "suse",
  "opensuse-microos": "suse",
};

/** The distribution's default user (sudo without password, password locked), or null if it has none. */
export function defaultUserOf(distro: Distro): User | null {
  const id = distro.id ?? "";
  const variant = VARIANTS[VARIANT_OF_ID[id] ?? id];
  if (!variant) return null;
  return { name: variant.name, gecos: variant.gecos, groups: [...variant.groups], shell: variant.shell, sudo: ["ALL=(ALL) NOPASSWD:ALL"], lock_passwd: true };
}
