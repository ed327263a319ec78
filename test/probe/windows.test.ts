import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";
import { powershellArgv } from "../../src/os/windows/powershell.ts";
import { windowsCandidates, windowsPlatform, windowsSnapshot } from "../../src/probe/windows.ts";

const snapshot = {
  sys_vendor: "OpenStack Foundation",
  product_name: "OpenStack Nova",
  product_uuid: "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
  product_serial: "",
  bios_vendor: "SeaBIOS",
  chassis_asset_tag: null,
  volumes: [
    { letter: "C:", label: "", fs: "NTFS" },
    { letter: "D:", label: "config-2", fs: "CDFS" },
  ],
  ports: [
    { name: "org.qemu.guest_agent.0", state: "IOException" },
    { name: "org.tether.agent.0", state: "FileNotFoundException" },
  ],
};

describe("Windows probe", () => {
  test("one PowerShell run, encoded, no profile, no data of ours in it", async () => {
    const host = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ stdout: JSON.stringify(snapshot) }) } });
    const result = await windowsSnapshot(host, 1500);
    expect(host.calls).toHaveLength(1);
    const argv = host.calls[0]?.argv ?? [];
    expect(argv.slice(0, 6)).toEqual(["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]);
    const script = Buffer.from(argv[6] ?? "", "base64").toString("utf16le");
    expect(script).toContain("Win32_Volume");
    expect(script).toContain("\\\\.\\Global\\$n");
    expect(result.volumes).toHaveLength(2);
    expect(powershellArgv("x")).toHaveLength(7);
  });

  test("volume labels, the agent port and DMI become candidates and platform facts", () => {
    const parsed = { ...snapshot, chassis_asset_tag: "" };
    expect(windowsPlatform(parsed)).toEqual({
      os: "win32",
      cloud: "openstack",
      hypervisor: "kvm",
      dmi: { sys_vendor: "OpenStack Foundation", product_name: "OpenStack Nova", product_uuid: snapshot.product_uuid, bios_vendor: "SeaBIOS" },
      evidence: [],
    });
    const byTransport = Object.fromEntries(windowsCandidates(parsed).map((f) => [f.transport, f]));
    expect(byTransport["config-drive"]).toEqual({ transport: "config-drive", verdict: "found", location: "D:\\", evidence: ['D:\\ CDFS label "config-2"'] });
    expect(byTransport.nocloud?.verdict).toBe("absent");
    expect(byTransport.virtio).toMatchObject({ verdict: "found", location: "\\\\.\\Global\\org.qemu.guest_agent.0" });
    expect(byTransport.xenstore?.verdict).toBe("skipped");
    expect(byTransport.xenstore?.evidence[0]).toContain("not supported on Windows yet");
  });

  test("PowerShell failing or printing garbage is a clear error", async () => {
    const failing = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ code: 1, stderr: "denied" }) } });
    await expect(windowsSnapshot(failing, 100)).rejects.toThrow("powershell exited 1: denied");
    const garbage = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ stdout: "<xml/>" }) } });
    await expect(windowsSnapshot(garbage, 100)).rejects.toThrow("powershell printed no JSON");
    const wrong = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ stdout: '{"volumes": 5}' }) } });
    await expect(windowsSnapshot(wrong, 100)).rejects.toThrow("powershell probe: volumes");
  });
});

describe("Windows probe through probe()", () => {
  test("PowerShell missing (as under Wine): every local transport says why, XenStore why not, and the metadata service is still asked", async () => {
    const { probe } = await import("../../src/probe/index.ts");
    const asked: string[] = [];
    const host = createFakeHost({ platform: "win32", fetch: (req) => (asked.push(new URL(req.url).pathname), new Response("", { status: 404 })) });
    const result = await probe(host, { metadataUrl: "http://127.0.0.1:9", budgetMs: 500 });
    expect(result.platform.os).toBe("win32");
    expect(result.candidates.find((c) => c.transport === "xenstore")).toMatchObject({ verdict: "skipped" });
    for (const transport of ["config-drive", "nocloud", "virtio"]) {
      expect(result.candidates.find((c) => c.transport === transport)).toMatchObject({
        verdict: "absent",
        evidence: ["windows probe failed: powershell exited 127: powershell.exe: not found"],
      });
    }
    expect(asked).toContain("/openstack");
  });
});
