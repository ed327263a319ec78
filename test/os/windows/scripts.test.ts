import { describe, expect, test } from "bun:test";
import type { BootInputs } from "../../../src/actions/inputs.ts";
import { windowsLinuxOnlyAction } from "../../../src/os/windows/actions/linux-only.ts";
import { windowsScriptsAction } from "../../../src/os/windows/actions/scripts.ts";
import { readUserData } from "../../../src/userdata/index.ts";
import { instanceData } from "../../actions/identity-helpers.ts";
import { expectGolden, formatChanges, offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

const part = (type: string, name: string, body: string) => `--B\r\nContent-Type: ${type}\r\nContent-Disposition: attachment; filename="${name}"\r\n\r\n${body}\r\n`;

async function multipart(): Promise<BootInputs> {
  const body = [
    'Content-Type: multipart/mixed; boundary="B"\r\nMIME-Version: 1.0\r\n\r\n',
    part("text/x-shellscript", "setup.ps1", "#ps1\r\nWrite-Host 'café'\r\nexit 1001\r\n"),
    part("text/plain", "inventory", "rem cmd\r\necho %COMPUTERNAME% > C:\\inventory.txt\r\n"),
    part("text/x-shellscript", "linux.sh", "#!/bin/sh\necho linux\n"),
    part("text/cloud-config", "cc", "#cloud-config\nruncmd:\n  - echo ran > C:\\ran.txt\n  - [net, user]\npackages: [git]\nntp:\n  enabled: true\n"),
    "--B--\r\n",
  ].join("");
  const bytes = new TextEncoder().encode(body);
  return { data: { ...instanceData(), userData: bytes }, userData: await readUserData(bytes, { source: "seed user-data" }), warnings: [] };
}

describe("Windows user-data scripts", () => {
  test("each script kept with the extension its interpreter needs, run with cloudbase-init's exit codes; runcmd through cmd.exe", async () => {
    const inputs = await multipart();
    const changes = planWindows(windowsScriptsAction, inputs, windowsFacts());
    expectGolden("scripts/multipart.txt", formatChanges(changes));
    expect(windowsScriptsAction.notes?.(inputs, windowsFacts())).toEqual(['user-data script "linux.sh" (shell) is for Linux: not run on Windows']);
  });

  test("a UTF-8 PowerShell script gets the byte-order mark Windows PowerShell needs to read it as UTF-8; ASCII is left as given", async () => {
    const changes = planWindows(windowsScriptsAction, await multipart(), windowsFacts());
    const ps1 = changes.find((c) => c.kind === "write" && c.path.endsWith(".ps1"));
    const cmd = changes.find((c) => c.kind === "write" && c.path.endsWith(".cmd"));
    expect(ps1?.kind === "write" && [...(ps1.content as Uint8Array).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(cmd?.kind === "write" && (cmd.content as Uint8Array)[0]).toBe("r".charCodeAt(0));
  });

  test("offline: the scripts are kept for the image's first boot, nothing runs", async () => {
    const inputs = await multipart();
    const changes = planWindows(windowsScriptsAction, inputs, offlineWindowsFacts());
    expect(changes.filter((c) => c.kind === "run")).toEqual([]);
    expect(changes.filter((c) => c.kind === "write")).toHaveLength(2);
    expect(windowsScriptsAction.deferredWhenOffline).toBe(true);
    expect(windowsScriptsAction.notes?.(inputs, offlineWindowsFacts())).toContain("scripts: 2 script(s) and 2 runcmd command(s) not run under --root; kept for the image's first boot");
  });

  test("Linux-only keys are named in a note, never dropped in silence", async () => {
    expect(windowsLinuxOnlyAction.notes?.(await multipart(), windowsFacts())).toEqual([
      "seed user-data: ntp is not applied on Windows (Windows keeps time with w32time (w32tm /config in a #ps1 script))",
      "seed user-data: packages is not applied on Windows (a #ps1 script (winget, choco, msiexec))",
    ]);
  });
});
