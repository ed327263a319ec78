import type { Action } from "./types.ts";
import type { NtpConfig } from "../model/cloud-config/index.ts";
import type { Change } from "../plan/change.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import { restartArgv } from "./services.ts";
import { anyPresent, editedContent } from "./target-files.ts";
import type { OsFacts } from "./types.ts";

const CHRONYD = ["/usr/sbin/chronyd", "/sbin/chronyd"];
const TIMESYNCD = ["/usr/lib/systemd/systemd-timesyncd", "/lib/systemd/systemd-timesyncd"];
const CHRONY_CONFS = ["/etc/chrony/chrony.conf", "/etc/chrony.conf"];
export const TIMESYNCD_DIR = "/etc/systemd/timesyncd.conf.d";
export const TIMESYNCD_DROPIN = `${TIMESYNCD_DIR}/50-tether.conf`;
const ROOT = { user: "root", group: "root" };
const BEGIN = "# BEGIN tether ntp (from user-data; this block is rewritten)";
const END = "# END tether ntp";

type Client = "chrony" | "timesyncd";

/** The client on the target, chrony first (as cloud-init's auto choice); else the family's usual one, not installed. */
function clientOf(facts: OsFacts): { client: Client; installed: boolean } {
  if (anyPresent(facts, CHRONYD)) return { client: "chrony", installed: true };
  if (anyPresent(facts, TIMESYNCD)) return { client: "timesyncd", installed: true };
  const { family, services } = facts.distro.means;
  const chrony = services === "openrc" || family === "rhel" || family === "suse" || family === "alpine";
  return { client: chrony ? "chrony" : "timesyncd", installed: false };
}

function timesyncd(ntp: NtpConfig): string {
  return `# Written by tether from user-data ntp; changes here are overwritten.\n[Time]\nNTP=${[...ntp.servers, ...ntp.pools].join(" ")}\n`;
}

/**
 * chrony.conf with the user's sources in a marked block and the distro's own server/pool/peer lines
 * commented out: cloud-init replaces the whole file from its template, so the user's servers are
 * the only ones; a sources.d drop-in could only add to the distro's pool, not replace it.
 * Applying it again gives the same file.
 */
export function chronyConf(current: string | undefined, ntp: NtpConfig, family: string): string {
  const base = current ?? `driftfile /var/lib/chrony/${family === "debian" ? "chrony.drift" : "drift"}\nmakestep 1.0 3\nrtcsync\n`;
  const kept: string[] = [];
  let inBlock = false;
  for (const line of base.replace(/\n$/, "").split("\n")) {
    if (line === BEGIN) inBlock = true;
    else if (line === END) inBlock = false;
    else if (!inBlock) kept.push(/^\s*(server|pool|peer)\s/.test(line) ? `#tether-replaced# ${line}` : line);
  }
  while (kept.length && kept[kept.length - 1]?.trim() === "") kept.pop();
  const block = [BEGIN, ...ntp.servers.map((s) => `server ${s} iburst`), ...ntp.pools.map((p) => `pool ${p} iburst`), END];
  return `${[...kept, ...(kept.length ? [""] : []), ...block].join("\n")}\n`;
}

function chronyPath(facts: OsFacts): string {
  const existing = CHRONY_CONFS.find((p) => facts.files[p] !== undefined);
  if (existing) return existing;
  const family = facts.distro.means.family;
  return family === "debian" || family === "alpine" ? "/etc/chrony/chrony.conf" : "/etc/chrony.conf";
}

/** cloud-config `ntp` (cc_ntp), per instance: the servers and pools into the client the target has. */
export const ntpAction: Action = {
  name: "ntp",
  frequency: "per-instance",
  reads: (inputs) => (cloudConfigOf(inputs).config.ntp ? [...CHRONYD, ...TIMESYNCD, ...CHRONY_CONFS] : []),
  plan(inputs, facts) {
    const ntp = cloudConfigOf(inputs).config.ntp;
    if (!ntp || (!ntp.servers.length && !ntp.pools.length)) return [];
    const { client, installed } = clientOf(facts);
    const absent = installed ? "" : ` (${client} is not installed on the target: the file waits for it)`;
    const changes: Change[] = [];
    if (client === "timesyncd") {
      const reason = `ntp servers for systemd-timesyncd from user-data${absent}`;
      changes.push({ kind: "mkdir", path: TIMESYNCD_DIR, mode: 0o755, owner: ROOT, reason: "systemd-timesyncd drop-ins" });
      changes.push({ kind: "write", path: TIMESYNCD_DROPIN, content: timesyncd(ntp), mode: 0o644, owner: ROOT, reason });
    } else {
      const path = chronyPath(facts);
      const family = facts.distro.means.family;
      const reason = `ntp servers for chrony from user-data, the distro's own sources commented out${absent}`;
      if (path === "/etc/chrony/chrony.conf") changes.push({ kind: "mkdir", path: "/etc/chrony", mode: 0o755, owner: ROOT, reason: "chrony configuration" });
      changes.push({ kind: "write", path, content: editedContent(chronyConf(facts.files[path], ntp, family)), mode: 0o644, owner: ROOT, reason });
    }
    if (!facts.offline && installed) {
      const service = client === "timesyncd" ? "systemd-timesyncd" : facts.distro.means.family === "debian" ? "chrony" : "chronyd";
      changes.push({ kind: "run", argv: restartArgv(facts, service), timeoutMs: 30_000, reason: `${service} reads its new servers` });
    }
    return changes;
  },
  notes(inputs) {
    const ntp = cloudConfigOf(inputs).config.ntp;
    return ntp && !ntp.servers.length && !ntp.pools.length ? ["ntp: no servers or pools given; the NTP client's own defaults are kept"] : [];
  },
};
