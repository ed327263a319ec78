/**
 * What `agent install --init windows` puts on Windows, as pure text: the binary's place, the two
 * scheduled tasks (Task Scheduler XML, schema 1.2) and the SetupComplete.cmd line for images.
 *
 * Scheduled tasks and not a service: a service binary must call StartServiceCtrlDispatcher and
 * answer the Service Control Manager, which a `bun build --compile` executable does not do, so the
 * SCM would kill it after 30 s (error 1053) and sc.exe or New-Service would register a daemon that
 * never stays up. A task runs a plain program, as SYSTEM, at every start.
 */

/**
 * Inside the root, i.e. C:\Program Files\Tether\agent.exe. Program Files' inherited ACL lets only
 * administrators and SYSTEM write there, which a binary that runs as SYSTEM needs.
 */
export const WINDOWS_BIN = "/Program Files/Tether/agent.exe";
export const WINDOWS_BIN_DIR = "/Program Files/Tether";

/** The drive the system is installed on when the tasks run: an image's is C: at its setup too. */
export const WINDOWS_DRIVE = "C:";

export function windowsBinPath(drive = WINDOWS_DRIVE): string {
  return `${drive}${WINDOWS_BIN.replaceAll("/", "\\")}`;
}

export const BOOT_TASK = "Tether boot";
export const DAEMON_TASK = "Tether daemon";

/** LocalSystem, by SID: the account's name is localized ("NT-AUTORITÄT\SYSTEM"). */
const SYSTEM_SID = "S-1-5-18";

const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface TaskShape {
  description: string;
  exe: string;
  args: string;
  /** ISO 8601 duration; PT0S is no limit. */
  timeLimit: string;
  /** Started again this often while it is not running (MultipleInstancesPolicy IgnoreNew keeps it to one). */
  repeat?: string;
}

/**
 * Only what differs from Task Scheduler's defaults, and the one-instance policy the daemon relies on
 * (a trigger's children are a sequence in the schema: Enabled comes before Repetition).
 * Priority 5 is a normal process (the default, 7, is below normal, with low I/O priority). On
 * battery a client Windows would otherwise refuse to start the task, or stop it. RestartOnFailure
 * only covers a start that failed (a start condition not met, the program not launched), never a
 * program that ran and exited: the daemon's repetition is what restarts it after a crash.
 */
function taskXml(t: TaskShape): string {
  const repetition = t.repeat ? `\n      <Repetition>\n        <Interval>${t.repeat}</Interval>\n        <StopAtDurationEnd>false</StopAtDurationEnd>\n      </Repetition>` : "";
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>${xmlText(t.description)}</Description>
  </RegistrationInfo>
  <Triggers>
    <BootTrigger>
      <Enabled>true</Enabled>${repetition}
    </BootTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>${SYSTEM_SID}</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>${t.timeLimit}</ExecutionTimeLimit>
    <Priority>5</Priority>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>5</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>"${xmlText(t.exe)}"</Command>
      <Arguments>${xmlText(t.args)}</Arguments>
    </Exec>
  </Actions>
</Task>
`;
}

/**
 * Once per start, before anyone logs on. 72 hours is Task Scheduler's own default, kept as a
 * backstop only: every step of a boot has its own time limit.
 */
export function bootTaskXml(exe = windowsBinPath()): string {
  return taskXml({ description: "Tether: configure this machine from its cloud's instance data, at every start", exe, args: "boot", timeLimit: "PT72H" });
}

/**
 * The daemon runs for as long as the machine does: no execution time limit (the default 72 hours
 * would kill it on the third day). The start trigger repeats every minute, and a start while it
 * runs is ignored, so a daemon that exited is back within a minute; where there is no host channel
 * it exits again at once, which costs a process start a minute.
 */
export function daemonTaskXml(exe = windowsBinPath()): string {
  return taskXml({ description: "Tether: answer the host's commands (XenStore, QEMU guest agent protocol)", exe, args: "daemon", timeLimit: "PT0S", repeat: "PT1M" });
}

/** Where Windows looks, once, at the end of setup: it runs the file as SYSTEM before the first logon. */
export const SETUP_COMPLETE = "/Windows/Setup/Scripts/SetupComplete.cmd";

/**
 * The tasks are registered on the running system (an image's registry cannot take them), and
 * started at once (--start): their start trigger has already passed when setup completes.
 */
export function setupCompleteLine(exe = windowsBinPath()): string {
  return `"${exe}" install --init windows --start`;
}

/** A line of ours, from this version or an earlier one: replaced, never repeated. */
const OURS = /^\s*"[^"]*\\Tether\\agent\.exe"\s+install\b/i;
/** cmd stops at `exit`: a line after a final `exit` would never run. */
const EXIT = /^\s*@?exit(\s|$)/i;

/**
 * SetupComplete.cmd with our line, the file's other lines kept as they are, with the file's line
 * ending (CRLF for a new file: cmd's labels and `goto` misbehave on LF alone). Text is as read, one char
 * per byte, so that bytes outside ASCII go back unchanged.
 */
export function mergeSetupComplete(current: string | undefined, line = setupCompleteLine()): string {
  const text = current ?? "";
  const eol = text.includes("\r\n") || !text.includes("\n") ? "\r\n" : "\n";
  const lines = text === "" ? [] : text.replace(/\r?\n$/, "").split(/\r?\n/);
  const at = lines.findIndex((l) => OURS.test(l));
  if (at >= 0) lines[at] = line;
  else {
    let end = lines.length;
    while (end > 0 && lines[end - 1]?.trim() === "") end--;
    const beforeExit = end > 0 && EXIT.test(lines[end - 1] as string) ? end - 1 : end;
    lines.splice(beforeExit, 0, line);
  }
  return `${lines.join(eol)}${eol}`;
}
