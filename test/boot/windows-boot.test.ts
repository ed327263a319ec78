import { describe, expect, test } from "bun:test";
import type { BootInputs } from "../../src/actions/inputs.ts";
import { applyBoot, planFor } from "../../src/boot/run-boot.ts";
import { createFakeHost, type FakeProgram } from "../../src/host/fake.ts";
import { READ_FACTS } from "../../src/os/windows/scripts/read-facts.ts";
import { readUserData } from "../../src/userdata/index.ts";
import { instanceData } from "../actions/identity-helpers.ts";
import { readFactsOutput } from "../os/windows/windows-fixtures.ts";

/** A Windows as far as boot sees it: PowerShell answering the facts script, scripts exiting as told, shutdown.exe. */
function windowsHost(exitOf: (scriptPath: string) => number) {
  const powershell: FakeProgram = (argv) => {
    const file = argv.indexOf("-File");
    if (file >= 0) return { code: exitOf(argv[file + 1] as string) };
    const script = Buffer.from(argv.at(-1) as string, "base64").toString("utf16le");
    return script === READ_FACTS.text ? { stdout: readFactsOutput() } : { code: 0 };
  };
  return createFakeHost({ platform: "win32", programs: { "powershell.exe": powershell, "shutdown.exe": () => ({ code: 0 }), "cmd.exe": () => ({ code: 0 }) } });
}

async function withScript(text: string, cloudConfig = ""): Promise<BootInputs> {
  const body = `Content-Type: multipart/mixed; boundary="B"\r\nMIME-Version: 1.0\r\n\r\n--B\r\nContent-Type: text/cloud-config\r\n\r\n#cloud-config\nhostname: win-1\n${cloudConfig}\r\n--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="first.ps1"\r\n\r\n${text}\r\n--B--\r\n`;
  const bytes = new TextEncoder().encode(body);
  return { data: { ...instanceData(), userData: bytes }, userData: await readUserData(bytes, { source: "seed user-data" }), warnings: [] };
}

const ran = (host: ReturnType<typeof windowsHost>, name: string) => host.calls.filter((c) => c.argv[0] === name).map((c) => c.argv);

describe("a Windows boot", () => {
  test("plans with the Windows backend and says what the target is", async () => {
    const host = windowsHost(() => 0);
    const boot = await planFor(host, await withScript("#ps1\nexit 0"));
    expect(boot.backend.os).toBe("windows");
    expect(boot.target).toBe("Windows Server 2022 Datacenter (build 20348)");
    expect(boot.decisions.map((d) => d.action)).toContain("linux-only-keys");
  });

  test("exit 1003: the boot restarts after recording, and the scripts run again at the next boot; what came after waits for the restart", async () => {
    const host = windowsHost(() => 1003);
    const inputs = await withScript("#ps1\nexit 1003", "final_message: done\n");
    const boot = await planFor(host, inputs);
    const result = await applyBoot(host, inputs, boot, host.log);
    expect(result.ok).toBe(true);
    const shutdowns = ran(host, "shutdown.exe");
    expect(shutdowns).toHaveLength(1);
    expect(shutdowns[0]?.slice(0, 4)).toEqual(["shutdown.exe", "/r", "/t", "0"]);
    const next = await planFor(host, inputs);
    const due = (name: string) => next.decisions.find((d) => d.action === name)?.run;
    expect(due("scripts")).toBe(true);
    expect(due("hostname")).toBe(false);
    const last = JSON.parse(host.fs.snapshot()["/var/lib/tether/last-run.json"] as string);
    const record = (name: string) => last.actions.find((a: { name: string }) => a.name === name);
    expect(record("scripts")).toMatchObject({ result: "skipped", reason: "a script exited 1002 or 1003: runs again at the next boot" });
    expect(record("final-message")).toMatchObject({ result: "skipped" });
    expect(record("final-message").reason).toContain("after the restart");
  });

  test("exit 1002: no restart, the scripts run again next boot; exit 1001: a restart, and done", async () => {
    const again = windowsHost(() => 1002);
    const inputs = await withScript("#ps1\nexit 1002");
    await applyBoot(again, inputs, await planFor(again, inputs), again.log);
    expect(ran(again, "shutdown.exe").filter((a) => a.includes("Tether: a user-data script asked for a restart (exit 1002)"))).toEqual([]);
    expect((await planFor(again, inputs)).decisions.find((d) => d.action === "scripts")?.run).toBe(true);

    const once = windowsHost(() => 1001);
    await applyBoot(once, inputs, await planFor(once, inputs), once.log);
    expect(ran(once, "shutdown.exe").some((a) => a.includes("Tether: a user-data script asked for a restart (exit 1001)"))).toBe(true);
    expect((await planFor(once, inputs)).decisions.find((d) => d.action === "scripts")?.run).toBe(false);
  });

  test("any other exit code is a failure, as on Linux", async () => {
    const host = windowsHost(() => 7);
    const inputs = await withScript("#ps1\nexit 7");
    const result = await applyBoot(host, inputs, await planFor(host, inputs), host.log);
    expect(result.ok).toBe(false);
    expect(result.steps.find((s) => s.status === "failed")?.message).toBe("exited 7");
  });
});
