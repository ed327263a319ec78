import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../../src/host/fake.ts";
import { describeWindows, factsFromSnapshot, gatherWindowsFacts } from "../../../src/os/windows/facts.ts";
import { READ_FACTS } from "../../../src/os/windows/scripts/read-facts.ts";
import { inputsFrom } from "../../actions/identity-helpers.ts";
import { failure } from "../../helpers/failure.ts";

/** What the read-facts script printed on a Windows Server 2022 (trimmed to what the parser reads). */
const SNAPSHOT = {
  productName: "Windows Server 2022 Datacenter",
  edition: "ServerDatacenter",
  build: "20348",
  displayVersion: "21H2",
  installationType: "Server",
  computerName: "WIN-7QK2M1",
  systemDrive: "C:",
  adminGroup: "Administrateurs",
  timezone: "Romance Standard Time",
  users: [
    { name: "Administrateur", sid: "S-1-5-21-1-2-3-500", enabled: true, admin: true, profile: "C:\\Users\\Administrateur" },
    { name: "svc", sid: "S-1-5-21-1-2-3-1002", enabled: true, admin: false, profile: "E:\\Profiles\\svc" },
    { name: "nobody", sid: "S-1-5-21-1-2-3-1003", enabled: false, admin: false, profile: "" },
  ],
  nics: [
    { name: "Ethernet", mac: "FA-16-3E-00-00-01" },
    { name: "Loopback", mac: "00-00-00-00-00-00" },
  ],
  volumes: [{ letter: "D:", label: "config-2", fs: "CDFS" }],
};

describe("Windows facts", () => {
  test("a snapshot becomes facts: MACs as the model writes them, profiles inside the root, the localized admin group", () => {
    const facts = factsFromSnapshot(SNAPSHOT);
    expect(facts.nics).toEqual([{ name: "Ethernet", mac: "fa:16:3e:00:00:01" }]);
    expect(facts.users.map((u) => [u.name, u.profile])).toEqual([
      ["Administrateur", "/Users/Administrateur"],
      ["svc", undefined],
      ["nobody", undefined],
    ]);
    expect(facts.adminGroup).toBe("Administrateurs");
    expect(facts.timezone).toBe("Romance Standard Time");
    expect(facts.systemDrive).toBe("C:");
    expect(describeWindows({ ...facts, root: "/", offline: false, files: {}, now: 0, random: () => new Uint8Array() })).toBe("Windows Server 2022 Datacenter (21H2, build 20348, Server)");
  });

  test("Windows 11 is called Windows 11, though its registry still says 10", () => {
    expect(factsFromSnapshot({ ...SNAPSHOT, productName: "Windows 10 Pro", build: "22631" }).windows?.productName).toBe("Windows 11 Pro");
    expect(factsFromSnapshot({ ...SNAPSHOT, productName: "Windows 10 Pro", build: "19045" }).windows?.productName).toBe("Windows 10 Pro");
  });

  test("a running Windows is asked once, through the constant script, with nothing of ours in it", async () => {
    const host = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ stdout: JSON.stringify(SNAPSHOT) }) } });
    const facts = await gatherWindowsFacts(host, await inputsFrom(null), []);
    expect(host.calls).toHaveLength(1);
    const encoded = host.calls[0]?.argv.at(-1) as string;
    expect(Buffer.from(encoded, "base64").toString("utf16le")).toBe(READ_FACTS.text);
    expect(facts.offline).toBe(false);
    expect(facts.computerName).toBe("WIN-7QK2M1");
  });

  test("an image under --root is not asked anything", async () => {
    const host = createFakeHost({ platform: "win32" });
    const facts = await gatherWindowsFacts({ ...host, root: "/mnt/image" }, await inputsFrom(null), []);
    expect(host.calls).toEqual([]);
    expect(facts).toMatchObject({ offline: true, windows: null, users: [], nics: [], computerName: null, timezone: null });
  });

  test("a failing or silent PowerShell is an error naming the script", async () => {
    const failing = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ code: 1, stderr: "Get-LocalUser : not recognized\n" }) } });
    expect((await failure(gatherWindowsFacts(failing, await inputsFrom(null), []))).message).toContain("powershell read-facts): exited 1: Get-LocalUser : not recognized");
    const silent = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ stdout: "" }) } });
    expect((await failure(gatherWindowsFacts(silent, await inputsFrom(null), []))).message).toContain("printed no JSON");
    const wrong = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ stdout: JSON.stringify({ ...SNAPSHOT, users: "x" }) }) } });
    expect((await failure(gatherWindowsFacts(wrong, await inputsFrom(null), []))).message).toContain("users");
  });
});
