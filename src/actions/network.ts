import type { NetworkConfig } from "../model/network.ts";
import type { RendererName } from "../os/linux/distro.ts";
import { RENDERERS } from "../os/linux/network/index.ts";
import { RESOLVED_DROPIN } from "../os/linux/network/networkd.ts";
import type { Change } from "../plan/change.ts";
import type { BootInputs } from "./inputs.ts";
import { anyPresent, DirPlan, dirProbe, parentOf } from "./target-files.ts";
import type { Action, OsFacts } from "./types.ts";

/**
 * A small file each renderer's consumer installs (units and scripts rather than daemons: facts
 * reads at most 1 MiB, and NetworkManager's binary is larger). Any one present counts.
 */
export const RENDERER_TOOLS: Record<RendererName, string[]> = {
  netplan: ["/usr/sbin/netplan", "/sbin/netplan"],
  eni: ["/sbin/ifup", "/usr/sbin/ifup"],
  networkd: ["/usr/lib/systemd/system/systemd-networkd.service", "/lib/systemd/system/systemd-networkd.service"],
  "network-manager": ["/usr/lib/systemd/system/NetworkManager.service", "/lib/systemd/system/NetworkManager.service", "/etc/NetworkManager/NetworkManager.conf"],
  sysconfig: ["/etc/sysconfig/network-scripts/ifup-eth", "/usr/sbin/wicked", "/usr/lib/systemd/system/wicked.service"],
};

/** Run-time files that exist only while each network service runs: only a running one is reloaded. */
export const RUNNING = {
  networkd: ["/run/systemd/netif/state"],
  networkManager: ["/run/NetworkManager/resolv.conf", "/run/NetworkManager/no-stub-resolv.conf"],
  ifupdown: ["/run/network/ifstate", "/run/ifstate"],
};

const ROOT = { user: "root", group: "root" };
const HEADER = "Written by tether (agent boot) from the instance's network configuration; changes here are overwritten.";

/** The distro's first renderer whose tool the target has; else its first choice, said in the plan. */
export function chooseRenderer(facts: OsFacts): { renderer: RendererName; why: string } {
  const order = facts.distro.means.renderers;
  const found = order.find((r) => anyPresent(facts, RENDERER_TOOLS[r]));
  if (found) return { renderer: found, why: `${found}: the first of ${order.join(", ")} present on the target` };
  const first = order[0] ?? "networkd";
  return { renderer: first, why: `${first}: none of ${order.join(", ")} found on the target, so the distro's first choice` };
}

function render(config: NetworkConfig, renderer: RendererName): Record<string, string> {
  return RENDERERS[renderer](config, { header: HEADER });
}

const modeOf = (path: string) => (path.startsWith("/etc/netplan/") || path.startsWith("/etc/NetworkManager/system-connections/") ? 0o600 : 0o644);

/**
 * How the new files take effect on a running system. At boot the agent runs before network
 * configuration, so the services read them when they start and nothing else is needed — except
 * netplan, whose systemd generator ran before the agent: `netplan generate` makes its output again.
 * A service already running (a second `agent boot`, a late start) is reloaded. Nothing runs offline.
 */
function activation(renderer: RendererName, files: Record<string, string>, facts: OsFacts): { runs: Change[]; when: string } {
  if (facts.offline) return { runs: [], when: "read at the target's next boot" };
  const networkd = anyPresent(facts, RUNNING.networkd);
  const nm = anyPresent(facts, RUNNING.networkManager);
  const run = (argv: string[], reason: string): Change => ({ kind: "run", argv, timeoutMs: 60_000, reason });
  const reloads: Change[] = [];
  if ((renderer === "netplan" || renderer === "networkd") && networkd) reloads.push(run(["networkctl", "reload"], "systemd-networkd is running: reload its configuration"));
  if (renderer === "networkd" && networkd && RESOLVED_DROPIN in files) reloads.push(run(["systemctl", "--no-block", "try-restart", "systemd-resolved"], "systemd-resolved reads its new DNS servers"));
  if ((renderer === "netplan" || renderer === "network-manager" || renderer === "sysconfig") && nm) reloads.push(run(["nmcli", "connection", "reload"], "NetworkManager is running: reload its connections"));
  if (renderer === "eni" && anyPresent(facts, RUNNING.ifupdown)) reloads.push(run(["ifup", "-a"], "ifupdown has run: bring up what is not up yet"));
  const runs = renderer === "netplan" ? [run(["netplan", "generate"], "netplan's generator ran before this boot wrote its file"), ...reloads] : reloads;
  return { runs, when: reloads.length ? "reloaded now" : "read when the network service starts" };
}

/** The network configuration (one intermediate form) rendered for the target, every boot: the cloud may change it. */
export const networkAction: Action = {
  name: "network",
  frequency: "per-boot",
  reads(inputs: BootInputs, facts) {
    if (!inputs.network) return [];
    const tools = facts.distro.means.renderers.flatMap((r) => RENDERER_TOOLS[r]);
    const running = facts.offline ? [] : [...RUNNING.networkd, ...RUNNING.networkManager, ...RUNNING.ifupdown];
    const dirs = facts.distro.means.renderers.flatMap((r) => Object.keys(render(inputs.network as NetworkConfig, r)).map((p) => dirProbe(parentOf(p))));
    return [...new Set(["/", ...tools, ...running, ...dirs])];
  },
  plan(inputs, facts) {
    if (!inputs.network) return [];
    const { renderer, why } = chooseRenderer(facts);
    const files = render(inputs.network, renderer);
    const { runs, when } = activation(renderer, files, facts);
    const reason = `network configuration from ${inputs.data.source.transport} (renderer ${why}); ${when}`;
    const dirs = new DirPlan(facts);
    const changes: Change[] = [];
    for (const [path, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      changes.push(...dirs.ensure(parentOf(path), 0o755, `directory for ${renderer} configuration`, { owner: ROOT, standard: true }));
      changes.push({ kind: "write", path, content, mode: modeOf(path), owner: ROOT, reason });
    }
    return [...changes, ...runs];
  },
};
