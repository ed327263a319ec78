import { describe, expect, test } from "bun:test";
import { readProbed } from "../../src/boot/read-probed.ts";
import { HostError } from "../../src/errors.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { readInstanceData } from "../../src/transports/read-instance-data.ts";
import { failure } from "../helpers/failure.ts";

const CONFIG_DRIVE = {
  "/openstack/latest/meta_data.json": JSON.stringify({ uuid: "83679162-1378-4288-a2d4-70e13ec132aa", hostname: "win-from-drive", public_keys: { k: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDrive k@x" } }),
  "/openstack/latest/user_data": "#ps1\nWrite-Host hi\n",
};
const NOCLOUD = { "/meta-data": "instance-id: iid-drive\nlocal-hostname: nc-win\n", "/user-data": "#cloud-config\ntimezone: UTC\n" };

/** What the probe's PowerShell run says of a VM with a config drive on D: and NoCloud on E:. */
const PROBE = JSON.stringify({
  sys_vendor: "OpenStack Foundation",
  product_name: "OpenStack Nova",
  volumes: [
    { letter: "C:", label: "", fs: "NTFS" },
    { letter: "D:", label: "config-2", fs: "CDFS" },
  ],
  ports: [],
});

describe("config drives and NoCloud volumes on Windows: found by label, read through the drive letter", () => {
  test("a config drive on D:", async () => {
    const host = createFakeHost({ platform: "win32", drives: { "D:": CONFIG_DRIVE } });
    const data = await readInstanceData(host, { transport: "config-drive", verdict: "found", evidence: [], ms: 0, location: "D:\\" }, { os: "win32", dmi: {}, evidence: [] });
    expect(data.instanceId).toBe("83679162-1378-4288-a2d4-70e13ec132aa");
    expect(data.hostname).toBe("win-from-drive");
    expect(data.source).toEqual({ transport: "config-drive", location: "D:\\" });
  });

  test("a NoCloud volume on E:", async () => {
    const host = createFakeHost({ platform: "win32", drives: { "E:": NOCLOUD } });
    const data = await readInstanceData(host, { transport: "nocloud", verdict: "found", evidence: [], ms: 0, location: "E:\\" }, { os: "win32", dmi: {}, evidence: [] });
    expect(data.instanceId).toBe("iid-drive");
  });

  test("from the probe to the data: the PowerShell run finds the label, the drive is read", async () => {
    const host = createFakeHost({ platform: "win32", drives: { "D:": CONFIG_DRIVE }, programs: { "powershell.exe": () => ({ stdout: PROBE }) } });
    const data = await readProbed(host, { metadataUrl: "http://127.0.0.1:9", budgetMs: 500, startedAt: 0 });
    expect(data.hostname).toBe("win-from-drive");
  });

  test("a drive that is not mounted, or a drive location on a host without drives, is a clear error", async () => {
    const host = createFakeHost({ platform: "win32", drives: {} });
    const missing = await failure(readInstanceData(host, { transport: "config-drive", verdict: "found", evidence: [], ms: 0, location: "F:\\" }, { os: "win32", dmi: {}, evidence: [] }));
    expect(missing).toBeInstanceOf(HostError);
    expect(missing.message).toContain("F: is not a mounted volume");
    const linux = createFakeHost();
    expect((await failure(readInstanceData(linux, { transport: "nocloud", verdict: "found", evidence: [], ms: 0, location: "E:\\" }, { os: "linux", dmi: {}, evidence: [] }))).message).toContain("not Windows");
  });
});
