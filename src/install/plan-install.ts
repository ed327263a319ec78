import type { Change, Plan } from "../plan/change.ts";
import { BIN, openrcBootScript, openrcDaemonScript, systemdBootUnit, systemdDaemonUnit, sysvinitBootScript } from "./units.ts";

export type InitSystem = "systemd" | "openrc" | "sysvinit";
export const INIT_SYSTEMS: readonly InitSystem[] = ["systemd", "openrc", "sysvinit"];

export interface InstallFacts {
  init: InitSystem;
  /** "/" or the --root target, for tools that take it. */
  root: string;
  /** The agent binary's bytes, when it is to be copied to /usr/local/bin/agent. */
  binary?: Uint8Array;
}

const reason = "agent install";

/** Enabling, by each init system's own tool; offline targets where the tool has a way to. */
function enable(facts: InstallFacts): Change[] {
  const offline = facts.root !== "/";
  switch (facts.init) {
    case "systemd":
      return [{ kind: "run", argv: ["systemctl", ...(offline ? ["--root", facts.root] : []), "enable", "tether-boot.service", "tether-daemon.service"], reason: "start the boot unit at every start, and the daemon where a host channel exists" }];
    case "openrc":
      // rc-update has no --root: the runlevel link is what it would make.
      return [
        { kind: "run", argv: ["ln", "-sfn", "/etc/init.d/tether-boot", `${facts.root === "/" ? "" : facts.root}/etc/runlevels/boot/tether-boot`], reason: "run at boot (OpenRC boot runlevel)" },
        { kind: "mkdir", path: "/etc/runlevels/default", mode: 0o755, reason: "OpenRC's default runlevel" },
        { kind: "run", argv: ["ln", "-sfn", "/etc/init.d/tether-daemon", `${facts.root === "/" ? "" : facts.root}/etc/runlevels/default/tether-daemon`], reason: "the daemon in the default runlevel (it starts only where a host channel exists)" },
      ];
    case "sysvinit":
      return [{ kind: "run", argv: [...(offline ? ["chroot", facts.root] : []), "update-rc.d", "tether-boot", "defaults"], reason: "run at boot (sysvinit)" }];
  }
}

/**
 * Installs the binary, its boot service and (systemd, OpenRC) the daemon's service. sysvinit gets
 * the boot script only: its daemon script is still to be written.
 */
export function planInstall(facts: InstallFacts): Plan {
  const changes: Change[] = [];
  const dir = (path: string): Change => ({ kind: "mkdir", path, mode: 0o755, reason: "where the agent's files go" });
  if (facts.binary) changes.push(dir("/usr/local/bin"), { kind: "write", path: BIN, content: facts.binary, mode: 0o755, reason: "the agent" });
  changes.push(dir(facts.init === "systemd" ? "/etc/systemd/system" : "/etc/init.d"));
  if (facts.init === "systemd") {
    changes.push({ kind: "write", path: "/etc/systemd/system/tether-boot.service", content: systemdBootUnit(), mode: 0o644, reason });
    changes.push({ kind: "write", path: "/etc/systemd/system/tether-daemon.service", content: systemdDaemonUnit(), mode: 0o644, reason });
  } else {
    const script = facts.init === "openrc" ? openrcBootScript() : sysvinitBootScript();
    changes.push({ kind: "write", path: "/etc/init.d/tether-boot", content: script, mode: 0o755, reason });
    if (facts.init === "openrc") changes.push({ kind: "write", path: "/etc/init.d/tether-daemon", content: openrcDaemonScript(), mode: 0o755, reason });
  }
  changes.push(...enable(facts));
  return { instanceId: "install", steps: [{ action: "install", changes }] };
}
