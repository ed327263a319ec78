import { bytesOfRead, contentOf } from "../actions/target-files.ts";
import { powershellStep } from "../os/windows/powershell.ts";
import { REGISTER_TASKS, STOP_TASKS } from "../os/windows/scripts/register-tasks.ts";
import type { Change, Plan } from "../plan/change.ts";
import { BIN, openrcBootScript, openrcDaemonScript, systemdBootUnit, systemdDaemonUnit, sysvinitBootScript } from "./units.ts";
import { BOOT_TASK, bootTaskXml, DAEMON_TASK, daemonTaskXml, mergeSetupComplete, SETUP_COMPLETE, WINDOWS_BIN, WINDOWS_BIN_DIR } from "./windows-tasks.ts";

export type InitSystem = "systemd" | "openrc" | "sysvinit" | "windows";
export const INIT_SYSTEMS: readonly InitSystem[] = ["systemd", "openrc", "sysvinit", "windows"];

export interface InstallFacts {
  init: InitSystem;
  /** "/" or the --root target, for tools that take it. */
  root: string;
  /** The agent binary's bytes, when it is to be copied to /usr/local/bin/agent (Windows: /Program Files/Tether/agent.exe). */
  binary?: Uint8Array;
  /** Windows under --root: the image's SetupComplete.cmd now, one char per byte (latin1); undefined when it has none. */
  setupComplete?: string;
  /** Windows, on the running system: start the tasks now, not at the next start. */
  start?: boolean;
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
    case "windows":
      return []; // registering is part of windowsChanges
  }
}

/**
 * Windows: the binary, then the boot and daemon tasks (src/install/windows-tasks.ts says why tasks
 * and not a service). An image's registry cannot take a task, so under --root the image's
 * SetupComplete.cmd gets a line that installs them on the image's own system, at the end of its
 * setup, from the binary already in place.
 */
function windowsChanges(facts: InstallFacts): Change[] {
  const offline = facts.root !== "/";
  const changes: Change[] = [];
  if (facts.binary) {
    if (!offline) changes.push(powershellStep(STOP_TASKS, { names: [BOOT_TASK, DAEMON_TASK] }, { reason: "stop the agent's tasks where they run: Windows does not replace a running program's file" }));
    changes.push({ kind: "mkdir", path: WINDOWS_BIN_DIR, mode: 0o755, reason: "where the agent's files go" }, { kind: "write", path: WINDOWS_BIN, content: facts.binary, mode: 0o755, reason: "the agent" });
  }
  if (offline) {
    const merged = bytesOfRead(mergeSetupComplete(facts.setupComplete));
    changes.push({ kind: "mkdir", path: "/Windows/Setup/Scripts", mode: 0o755, reason: "where Windows looks for SetupComplete.cmd" });
    changes.push({ kind: "write", path: SETUP_COMPLETE, content: contentOf(merged, 0o644), mode: 0o644, reason: "register and start the agent's tasks at the end of the image's setup (Windows runs SetupComplete.cmd once, as SYSTEM)" });
    return changes;
  }
  const definitions = [
    { name: BOOT_TASK, xml: bootTaskXml() },
    { name: DAEMON_TASK, xml: daemonTaskXml() },
  ];
  changes.push(
    powershellStep(REGISTER_TASKS, { tasks: definitions, start: facts.start === true }, {
      reason: `scheduled tasks run as SYSTEM at every start: "${BOOT_TASK}" (agent boot) and "${DAEMON_TASK}" (agent daemon, no time limit, started again within a minute when it exits)${facts.start ? ", both started now" : ""}`,
    }),
  );
  return changes;
}

/**
 * Installs the binary, its boot service and (systemd, OpenRC, Windows) the daemon's service.
 * sysvinit gets the boot script only: its daemon script is still to be written.
 */
export function planInstall(facts: InstallFacts): Plan {
  if (facts.init === "windows") return { instanceId: "install", steps: [{ action: "install", changes: windowsChanges(facts) }] };
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
