/**
 * shutdown.exe with a planned reason code (/d p:2:4, "Operating System: Reconfiguration (Planned)"),
 * so the event log says why the machine went down. The comment is cut to shutdown's 512 characters.
 */
export function shutdownArgv(mode: "reboot" | "poweroff", delaySeconds: number, comment: string): string[] {
  return ["shutdown.exe", mode === "reboot" ? "/r" : "/s", "/t", String(delaySeconds), "/d", "p:2:4", "/c", comment.slice(0, 512)];
}
