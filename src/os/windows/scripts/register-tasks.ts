import { defineScript } from "../powershell.ts";

/**
 * Registers scheduled tasks from their Task Scheduler XML ($data.tasks: name, xml), in the root
 * folder, replacing tasks of the same name (-Force): installing again updates them. The XML comes
 * whole from src/install/windows-tasks.ts, so the plan shows every setting, the principal included
 * (S-1-5-18, SYSTEM by SID). $data.start starts them now as well: a task registered after its
 * start trigger (at the end of an image's setup) would first run at the next start. A start while
 * a task runs is ignored (IgnoreNew).
 */
export const REGISTER_TASKS = defineScript(
  "register-tasks",
  String.raw`
foreach ($task in @($data.tasks)) {
  Register-ScheduledTask -TaskName ([string]$task.name) -TaskPath '\' -Xml ([string]$task.xml) -Force | Out-Null
}
if ($data.start) {
  foreach ($task in @($data.tasks)) { Start-ScheduledTask -TaskName ([string]$task.name) -TaskPath '\' }
}
`,
);

/**
 * Stops the named tasks ($data.names) where they run, before their executable is replaced: Windows
 * refuses to replace the file of a running program. Stop-ScheduledTask returns before the process
 * is gone, so this waits (30 s at most) until none runs. Absent tasks are fine: a first install.
 */
export const STOP_TASKS = defineScript(
  "stop-tasks",
  String.raw`
function Get-Running {
  @($data.names | Where-Object { $t = Get-ScheduledTask -TaskName ([string]$_) -TaskPath '\' -ErrorAction SilentlyContinue; $t -and [string]$t.State -eq 'Running' })
}
foreach ($name in Get-Running) { Stop-ScheduledTask -TaskName ([string]$name) -TaskPath '\' }
$deadline = [DateTime]::UtcNow.AddSeconds(30)
while ((Get-Running).Count -gt 0) {
  if ([DateTime]::UtcNow -gt $deadline) { throw ('still running after 30 s: ' + ((Get-Running) -join ', ')) }
  Start-Sleep -Milliseconds 500
}
`,
);
