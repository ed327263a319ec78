import { describe, expect, test } from "bun:test";
import { HostError } from "../../../../src/errors.ts";
import type { Command } from "../../../../src/model/command.ts";
import type { InstanceData } from "../../../../src/model/instance-data.ts";
import { DH_GENERATOR, DH_PRIME, modPow } from "../../../../src/transports/xenstore/nova/dh.ts";
import { FEATURES, handleNovaRequest, plainMessage, type NovaDeps, type NovaSession } from "../../../../src/transports/xenstore/nova/handle-request.ts";

const VM_DATA: InstanceData = { source: { transport: "xenstore", location: "/x" }, instanceId: "i-1", hostname: "web1", publicKeys: [], files: [], metadata: {} };

/** Deps that record every command and succeed, unless `fail` says otherwise. */
function deps(fail?: Error): NovaDeps & { commands: Command[] } {
  const commands: Command[] = [];
  return {
    commands,
    version: "9.9.9",
    execute: async (c) => {
      commands.push(c);
      if (fail) throw fail;
      return "done";
    },
    readVmData: async () => VM_DATA,
  };
}

const request = (name: string, value?: unknown) => JSON.stringify(value === undefined ? { name } : { name, value });
const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");

/** The host's side of keyinit + password, as nova's SimpleDH and `openssl enc -aes-128-cbc -nosalt -md md5` do it. */
async function hostEncrypt(password: string, secret: string): Promise<string> {
  const md5 = (data: Uint8Array) => new Uint8Array(new Bun.CryptoHasher("md5").update(data).digest());
  const s = new TextEncoder().encode(secret);
  const key = md5(s);
  const iv = md5(new Uint8Array([...key, ...s]));
  const k = await crypto.subtle.importKey("raw", key, "AES-CBC", false, ["encrypt"]);
  return Buffer.from(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, k, new TextEncoder().encode(`${password}\n`))).toString("base64");
}

describe("Nova agent requests", () => {
  test("version and features answer without a command", async () => {
    const d = deps();
    expect(await handleNovaRequest(request("version", "agent"), {}, d)).toEqual({ returncode: "0", message: "9.9.9" });
    const features = await handleNovaRequest(request("features", ""), {}, d);
    expect(features).toEqual({ returncode: "0", message: FEATURES.join(",") });
    expect(features.message.split(",")).toContain("injectfile");
    expect(d.commands).toEqual([]);
  });

  test("keyinit then password: the host's DH and AES, decrypted into a set-password command", async () => {
    const d = deps();
    const session: NovaSession = {};
    const hostPrivate = 123456789012345678901234567n;
    const hostPublic = modPow(DH_GENERATOR, hostPrivate, DH_PRIME).toString();
    const init = await handleNovaRequest(request("keyinit", hostPublic), session, d);
    expect(init.returncode).toBe("D0");
    expect(init.message).toMatch(/^[0-9]+$/);
    const secret = modPow(BigInt(init.message), hostPrivate, DH_PRIME).toString();
    expect(session.secret).toBe(secret);
    const reply = await handleNovaRequest(request("password", await hostEncrypt("s3cret pass", secret)), session, d);
    expect(reply).toEqual({ returncode: "0", message: "" });
    const [command] = d.commands;
    expect(command?.name).toBe("set-password");
    expect(command?.name === "set-password" && command.password.reveal()).toBe("s3cret pass");
    expect(JSON.stringify(d.commands)).not.toContain("s3cret");
  });

  test("password without keyinit, or with a wrong key: 500 and no command", async () => {
    const d = deps();
    expect(await handleNovaRequest(request("password", "MJ1ZKJP15uPXQXDJTQOGWw=="), {}, d)).toEqual({ returncode: "500", message: "password: no keyinit came first, so there is no key to decrypt it with" });
    const wrong = await handleNovaRequest(request("password", await hostEncrypt("pw", "1234")), { secret: "98765" }, d);
    expect(wrong.returncode).toBe("500");
    expect(wrong.message).not.toContain("98765");
    expect(d.commands).toEqual([]);
  });

  test("keyinit with a value that is no DH public key: 500", async () => {
    for (const value of ["0", "1", (DH_PRIME - 1n).toString(), DH_PRIME.toString(), "-5", "12ab", 42]) {
      const session: NovaSession = {};
      const reply = await handleNovaRequest(request("keyinit", value), session, deps());
      expect(reply.returncode).toBe("500");
      expect(session.secret).toBeUndefined();
    }
  });

  test("resetnetwork reads vm-data and hands it on", async () => {
    const d = deps();
    expect(await handleNovaRequest(request("resetnetwork", ""), {}, d)).toEqual({ returncode: "0", message: "" });
    expect(d.commands).toEqual([{ name: "reset-network", data: VM_DATA }]);
  });

  test("injectfile splits at the first comma; file_inject takes both apart", async () => {
    const d = deps();
    expect((await handleNovaRequest(request("injectfile", b64("/etc/motd,hello, world\n")), {}, d)).returncode).toBe("0");
    expect((await handleNovaRequest(request("file_inject", { b64_path: b64("/root/a"), b64_file: b64("x,y") }), {}, d)).returncode).toBe("0");
    expect(d.commands).toEqual([
      { name: "inject-file", path: "/etc/motd", content: new Uint8Array(Buffer.from("hello, world\n")) },
      { name: "inject-file", path: "/root/a", content: new Uint8Array(Buffer.from("x,y")) },
    ]);
  });

  test("injectfile without a comma, with bad base64, or a path that is not UTF-8: 500 naming the problem", async () => {
    const d = deps();
    expect(await handleNovaRequest(request("injectfile", b64("/etc/motd")), {}, d)).toEqual({ returncode: "500", message: "injectfile request: value: expected base64 of '<path>,<contents>': no comma" });
    expect(await handleNovaRequest(request("injectfile", "***"), {}, d)).toEqual({ returncode: "500", message: "injectfile request: value: invalid base64" });
    expect((await handleNovaRequest(request("injectfile", b64(new Uint8Array([0x2f, 0xff, 0x2c, 0x41]))), {}, d)).message).toBe("injectfile request: path: the path is not UTF-8");
    expect(await handleNovaRequest(request("file_inject", "x"), {}, d)).toEqual({ returncode: "500", message: "file_inject request: value: expected an object with b64_path and b64_file" });
    expect(d.commands).toEqual([]);
  });

  test("agentupdate: url and digest into a command; a bad value is 500", async () => {
    const d = deps();
    const md5 = "0123456789abcdef0123456789ABCDEF";
    expect((await handleNovaRequest(request("agentupdate", `http://127.0.0.1:1/agent,${md5}`), {}, d)).returncode).toBe("0");
    expect(d.commands).toEqual([{ name: "agent-update", url: "http://127.0.0.1:1/agent", digest: { algorithm: "md5", hex: md5.toLowerCase() } }]);
    expect((await handleNovaRequest(request("agentupdate", "http://127.0.0.1:1/agent"), {}, d)).returncode).toBe("500");
    expect((await handleNovaRequest(request("agentupdate", `file:///etc/shadow,${md5}`), {}, d)).returncode).toBe("500");
    expect(d.commands).toHaveLength(1);
  });

  test("malformed requests are 500, unknown commands 404 (never nova-agent's 0)", async () => {
    const d = deps();
    expect(await handleNovaRequest("{not json", {}, d)).toMatchObject({ returncode: "500" });
    expect((await handleNovaRequest("{not json", {}, d)).message).toStartWith("request: invalid JSON");
    expect(await handleNovaRequest("[1,2]", {}, d)).toEqual({ returncode: "500", message: "request: expected a JSON object" });
    expect(await handleNovaRequest('{"value":"x"}', {}, d)).toEqual({ returncode: "500", message: "request: name: expected the command's name as a string" });
    const unknown = await handleNovaRequest(request("reboot", ""), {}, d);
    expect(unknown.returncode).toBe("404");
    expect(unknown.message).toStartWith("unknown command 'reboot'");
    expect(d.commands).toEqual([]);
  });

  test("a command that fails is 500 with its reason, cut to fit a XenStore message", async () => {
    const reply = await handleNovaRequest(request("resetnetwork", ""), {}, deps(new HostError(`network: ${"x".repeat(5000)}`)));
    expect(reply.returncode).toBe("500");
    expect(reply.message.length).toBe(1024);
    expect(reply.message).toStartWith("network: xxx");
    expect(reply.message).toEndWith("...");
  });

  test("messages keep to what xenstore-read prints as it is: printable ASCII, no quote, no backslash", () => {
    expect(plainMessage('path "C:\\x" é\n')).toBe("path 'C:/x' ??");
    expect(JSON.parse(JSON.stringify({ message: plainMessage('a"b\\c') })).message).not.toMatch(/["\\]/);
  });
});
