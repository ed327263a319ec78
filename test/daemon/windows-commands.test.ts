import { describe, expect, test } from "bun:test";
import { executeCommand, type DaemonContext } from "../../src/daemon/execute-command.ts";
import { HostError } from "../../src/errors.ts";
import { createFakeHost, type FakeProgram } from "../../src/host/fake.ts";
import { Secret } from "../../src/model/secret.ts";
import { READ_FACTS } from "../../src/os/windows/scripts/read-facts.ts";
import { failure } from "../helpers/failure.ts";
import { readFactsOutput } from "../os/windows/windows-fixtures.ts";

/** A French Windows: the built-in Administrator renamed and disabled, one more user, one NIC. */
const FACTS = readFactsOutput({
  users: [
    { name: "Administrateur", sid: "S-1-5-21-1-2-3-500", enabled: false, admin: true, profile: "C:\\Users\\Administrateur" },
    { name: "carol", sid: "S-1-5-21-1-2-3-1001", enabled: true, admin: false, profile: "C:\\Users\\carol" },
  ],
  nics: [{ name: "Ethernet", mac: "FA-16-3E-00-00-01" }],
});

const scriptOf = (argv: readonly string[]) => Buffer.from(argv.at(-1) as string, "base64").toString("utf16le");

/** A Windows whose PowerShell answers the facts script and takes every other script; what each got on stdin is kept. */
function windowsContext() {
  const inputs: { script: string; input: string }[] = [];
  const powershell: FakeProgram = (argv, options) => {
    const script = scriptOf(argv);
    if (script === READ_FACTS.text) return { stdout: FACTS };
    inputs.push({ script, input: String(options.input ?? "") });
    return { code: 0 };
  };
  const host = createFakeHost({ platform: "win32", programs: { "powershell.exe": powershell } });
  const ctx: DaemonContext = { host, transport: "virtio", location: "\\\\.\\Global\\org.qemu.guest_agent.0", binaryPath: "C:\\Program Files\\Tether\\agent.exe", update: { maxBytes: 1 << 20, timeoutMs: 1000 } };
  return { host, ctx, inputs };
}

describe("host commands on Windows go through the Windows actions", () => {
  test("set-password without a user: the built-in Administrator, found by RID whatever its name, enabled; the password only on stdin", async () => {
    const { host, ctx, inputs } = windowsContext();
    const outcome = await executeCommand(ctx, { name: "set-password", password: new Secret("Tr0ub4dor&3-win") });
    expect(outcome.message).toBe("password of Administrator set");
    expect(inputs).toHaveLength(1);
    expect(inputs[0]?.script).toContain("Set-LocalUser -InputObject $user -Password $password");
    expect(inputs[0]?.input).toContain("\"enable\":true");
    expect(inputs[0]?.input).toContain("Tr0ub4dor&3-win");
    expect(inputs[0]?.input).toContain("S-1-5-21-1-2-3-500");
    for (const call of host.calls) expect(call.argv.join(" ")).not.toContain("Tr0ub4dor");
    expect(host.logs.join("\n")).not.toContain("Tr0ub4dor");
    expect(JSON.stringify(outcome.result)).not.toContain("Tr0ub4dor");
  });

  test("set-password for a named user; an unknown user and a crypt hash are refused before anything runs", async () => {
    const { ctx, inputs } = windowsContext();
    expect((await executeCommand(ctx, { name: "set-password", user: "carol", password: new Secret("another-Secret-9") })).message).toBe("password of carol set");
    expect(inputs[0]?.input).toContain("S-1-5-21-1-2-3-1001");
    const unknown = await failure(executeCommand(ctx, { name: "set-password", user: "mallory", password: new Secret("x-Secret-1") }));
    expect(unknown).toBeInstanceOf(HostError);
    expect(unknown.message).toContain('no local user "mallory"');
    const crypted = await failure(executeCommand(ctx, { name: "set-password", user: "carol", password: new Secret("$6$salt$hash"), crypted: true }));
    expect(crypted.message).toContain("a crypt hash cannot set a Windows password");
    expect(inputs).toHaveLength(1);
  });

  test("inject-file writes on the system drive; another drive is refused naming the path", async () => {
    const { host, ctx } = windowsContext();
    await executeCommand(ctx, { name: "inject-file", path: "C:\\ProgramData\\app\\motd.txt", content: new TextEncoder().encode("hello\n") });
    expect(host.fs.snapshot()["/ProgramData/app/motd.txt"]).toBe("hello\n");
    expect((await failure(executeCommand(ctx, { name: "inject-file", path: "D:\\x.txt", content: new Uint8Array(1) }))).message).toContain("only the system drive C: is configured");
  });

  test("reset-network renames through SetComputerNameEx; key edits and agent updates say they are not built for Windows", async () => {
    const { ctx, inputs } = windowsContext();
    const data = { source: { transport: "virtio" as const, location: "x" }, instanceId: "i-1", hostname: "web-7", publicKeys: [], files: [], metadata: {} };
    await executeCommand(ctx, { name: "reset-network", data });
    expect(inputs.map((i) => i.input)).toEqual(['{"name":"web-7"}\n']);
    expect((await failure(executeCommand(ctx, { name: "authorized-keys", user: "carol", add: ["ssh-ed25519 AAAA x"] }))).message).toContain("not built for Windows yet");
    expect((await failure(executeCommand(ctx, { name: "agent-update", url: "https://example.invalid/a.exe", digest: { algorithm: "sha256", hex: "00" } } as never))).message).toContain("not built for Windows yet");
  });
});
