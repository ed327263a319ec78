import type { Host } from "../../host/types.ts";
import { parseOsRelease } from "../../parse/os-release.ts";

export { parseOsRelease };

export type FamilyName = "debian" | "rhel" | "suse" | "arch" | "alpine" | "unknown";
export type RendererName = "netplan" | "eni" | "networkd" | "sysconfig" | "network-manager";

export type UserTools =
  | { kind: "shadow"; useradd: "useradd"; usermod: "usermod"; groupadd: "groupadd"; chpasswd: "chpasswd" }
  | { kind: "busybox"; adduser: "adduser"; addgroup: "addgroup"; chpasswd: "chpasswd" };

export interface PackageManager {
  name: "apt-get" | "dnf" | "yum" | "zypper" | "pacman" | "apk";
  /** argv before the package names. */
  install: string[];
  /** argv that refreshes the package index, where the manager has one to refresh. */
  refresh: string[];
  /** Environment the manager needs to run unattended. */
  env: Record<string, string>;
}

/** What a family of distributions uses to do each job. */
export interface DistroMeans {
  family: FamilyName;
  /** Network renderers to try, in order of preference; the first one present on the target wins. */
  renderers: RendererName[];
  users: UserTools;
  services: "systemd" | "openrc";
  packages: PackageManager | null;
  paths: { sshdConfigD: string; sudoersD: string };
  /** The group whose members may use sudo. */
  adminGroup: string;
}

const SHADOW: UserTools = { kind: "shadow", useradd: "useradd", usermod: "usermod", groupadd: "groupadd", chpasswd: "chpasswd" };
const BUSYBOX: UserTools = { kind: "busybox", adduser: "adduser", addgroup: "addgroup", chpasswd: "chpasswd" };
const PATHS = { sshdConfigD: "/etc/ssh/sshd_config.d", sudoersD: "/etc/sudoers.d" };

const APT: PackageManager = { name: "apt-get", install: ["apt-get", "install", "-y", "--no-install-recommends"], refresh: ["apt-get", "update"], env: { DEBIAN_FRONTEND: "noninteractive" } };
const DNF: PackageManager = { name: "dnf", install: ["dnf", "install", "-y"], refresh: ["dnf", "makecache"], env: {} };
const YUM: PackageManager = { name: "yum", install: ["yum", "install", "-y"], refresh: ["yum", "makecache"], env: {} };
const ZYPPER: PackageManager = { name: "zypper", install: ["zypper", "--non-interactive", "install"], refresh: ["zypper", "--non-interactive", "refresh"], env: {} };
const PACMAN: PackageManager = { name: "pacman", install: ["pacman", "-S", "--noconfirm", "--needed"], refresh: ["pacman", "-Sy"], env: {} };
const APK: PackageManager = { name: "apk", install: ["apk", "add", "--no-progress"], refresh: ["apk", "update"], env: {} };

export const FAMILIES: Record<FamilyName, DistroMeans> = {
  debian: { family: "debian", renderers: ["netplan", "eni", "networkd", "network-manager"], users: SHADOW, services: "systemd", packages: APT, paths: PATHS, adminGroup: "sudo" },
  rhel: { family: "rhel", renderers: ["network-manager", "sysconfig", "networkd"], users: SHADOW, services: "systemd", packages: DNF, paths: PATHS, adminGroup: "wheel" },
  suse: { family: "suse", renderers: ["sysconfig", "network-manager", "networkd"], users: SHADOW, services: "systemd", packages: ZYPPER, paths: PATHS, adminGroup: "wheel" },
  arch: { family: "arch", renderers: ["networkd", "network-manager", "netplan"], users: SHADOW, services: "systemd", packages: PACMAN, paths: PATHS, adminGroup: "wheel" },
  alpine: { family: "alpine", renderers: ["eni"], users: BUSYBOX, services: "openrc", packages: APK, paths: PATHS, adminGroup: "wheel" },
  // What most current distributions share; said as a warning whenever it is used.
  unknown: { family: "unknown", renderers: ["networkd", "network-manager", "netplan", "eni", "sysconfig"], users: SHADOW, services: "systemd", packages: null, paths: PATHS, adminGroup: "wheel" },
};

/** os-release IDs (the distribution's own, or one named in ID_LIKE) → family. */
export const FAMILY_OF_ID: Record<string, Exclude<FamilyName, "unknown">> = {
  debian: "debian",
  ubuntu: "debian",
  raspbian: "debian",
  devuan: "debian",
  linuxmint: "debian",
  pop: "debian",
  kali: "debian",
  rhel: "rhel",
  centos: "rhel",
  rocky: "rhel",
  almalinux: "rhel",
  fedora: "rhel",
  amzn: "rhel",
  ol: "rhel",
  cloudlinux: "rhel",
  virtuozzo: "rhel",
  sles: "suse",
  sled: "suse",
  sle_hpc: "suse",
  "sle-micro": "suse",
  suse: "suse",
  opensuse: "suse",
  "opensuse-leap": "suse",
  "opensuse-tumbleweed": "suse",
  "opensuse-microos": "suse",
  arch: "arch",
  archarm: "arch",
  manjaro: "arch",
  endeavouros: "arch",
  alpine: "alpine",
  postmarketos: "alpine",
};

export interface Distro {
  id: string | null;
  idLike: string[];
  versionId: string | null;
  prettyName: string | null;
  /** Which os-release ID chose the family (ID, or one of ID_LIKE); null for unknown. */
  matchedBy: string | null;
  means: DistroMeans;
  /** Set when the means are a guess: unknown distribution, or no os-release at all. */
  warning: string | null;
}

const major = (version: string | null) => (version ? Number.parseInt(version, 10) : Number.NaN);

/** Means that differ inside a family by release: older RHEL-likes have yum, Amazon Linux 2023 networkd. */
function adjust(means: DistroMeans, id: string | null, versionId: string | null): DistroMeans {
  if (means.family !== "rhel") return means;
  if (id === "amzn") {
    return versionId === "2"
      ? { ...means, packages: YUM, renderers: ["sysconfig", "network-manager", "networkd"] }
      : { ...means, renderers: ["networkd", "sysconfig", "network-manager"] };
  }
  if (id !== "fedora" && major(versionId) < 8) return { ...means, packages: YUM, renderers: ["sysconfig", "network-manager", "networkd"] };
  return means;
}

/** The distribution an os-release text describes, with its family's means. */
export function distroFromOsRelease(fields: Record<string, string>): Distro {
  const id = fields.ID?.toLowerCase() || null;
  const idLike = (fields.ID_LIKE ?? "").toLowerCase().split(/\s+/).filter((s) => s !== "");
  const versionId = fields.VERSION_ID ?? null;
  const prettyName = fields.PRETTY_NAME ?? fields.NAME ?? null;
  const matchedBy = [id, ...idLike].find((candidate) => candidate !== null && Object.hasOwn(FAMILY_OF_ID, candidate)) ?? null;
  if (matchedBy === null) {
    const like = idLike.length ? ` (ID_LIKE ${idLike.join(" ")})` : "";
    return {
      id,
      idLike,
      versionId,
      prettyName,
      matchedBy: null,
      means: FAMILIES.unknown,
      warning: `unknown distribution ${JSON.stringify(id ?? "")}${like}: systemd + shadow tools assumed`,
    };
  }
  const family = FAMILY_OF_ID[matchedBy] as Exclude<FamilyName, "unknown">;
  return { id, idLike, versionId, prettyName, matchedBy, means: adjust(FAMILIES[family], id, versionId), warning: null };
}

/** Reads the target's os-release (/etc, else /usr/lib, as systemd does) under the host's root. */
export async function detectDistro(host: Host): Promise<Distro> {
  for (const path of ["/etc/os-release", "/usr/lib/os-release"]) {
    if (!(await host.fs.exists(path))) continue;
    const distro = distroFromOsRelease(parseOsRelease(await host.fs.readText(path)));
    if (distro.warning) host.log.withTag("os").warn(distro.warning);
    return distro;
  }
  const warning = "no /etc/os-release or /usr/lib/os-release: unknown distribution, systemd + shadow tools assumed";
  host.log.withTag("os").warn(warning);
  return { id: null, idLike: [], versionId: null, prettyName: null, matchedBy: null, means: FAMILIES.unknown, warning };
}
