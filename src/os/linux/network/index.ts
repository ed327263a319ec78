import type { NetworkConfig } from "../../../model/network.ts";
import type { RenderOptions, Rendered } from "./common.ts";
import { renderEni } from "./eni.ts";
import { renderNetplan } from "./netplan.ts";
import { renderNetworkd } from "./networkd.ts";
import { renderNetworkManager } from "./network-manager.ts";
import { renderSysconfig } from "./sysconfig.ts";

export type { RenderOptions, Rendered } from "./common.ts";
export { renderEni, renderNetplan, renderNetworkd, renderNetworkManager, renderSysconfig };

export const RENDERERS = {
  eni: renderEni,
  netplan: renderNetplan,
  networkd: renderNetworkd,
  sysconfig: renderSysconfig,
  "network-manager": renderNetworkManager,
} as const satisfies Record<string, (config: NetworkConfig, options?: RenderOptions) => Rendered>;

export type RendererName = keyof typeof RENDERERS;
export const RENDERER_NAMES = Object.keys(RENDERERS) as RendererName[];

/** The distros net-convert's -D takes that run Linux, and the renderer each gets by default. */
const RHEL = ["almalinux", "amazon", "centos", "cloudlinux", "eurolinux", "fedora", "miraclelinux", "openEuler", "rhel", "rocky", "virtuozzo"];

/**
 * Defaults: Ubuntu netplan (what its images ship), Debian and Alpine eni (ifupdown / ifupdown-ng
 * are their own tools; Alpine has no systemd), the Red Hat family sysconfig (-D names no version,
 * and ifcfg files are read both by initscripts and by NetworkManager's ifcfg-rh plugin up to
 * RHEL 9), everything else systemd-networkd.
 */
export function defaultRenderer(distro: string): RendererName {
  if (distro === "ubuntu") return "netplan";
  if (distro === "debian" || distro === "alpine") return "eni";
  if (RHEL.includes(distro)) return "sysconfig";
  return "networkd";
}

export const LINUX_DISTROS = ["alpine", "arch", "debian", "ubuntu", "gentoo", "cos", ...RHEL, "mariner", "openmandriva", "photon", "opensuse", "sles"];
