import { describe, expect, test } from "bun:test";
import { ChunkQueue, type ByteStream } from "../../src/host/byte-stream.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { runDaemon } from "../../src/daemon/run-daemon.ts";
import { OPEN_POLICY } from "../../src/transports/virtio/qga-policy.ts";

const PORT = "\\\\.\\Global\\org.qemu.guest_agent.0";

/** What the probe's PowerShell run reports on a Windows guest with the agent port. */
const snapshot = {
  sys_vendor: "QEMU",
  product_name: "Standard PC",
  product_uuid: "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
  product_serial: "",
  bios_vendor: "SeaBIOS",
  chassis_asset_tag: "",
  volumes: [{ letter: "C:", label: "", fs: "NTFS" }],
  ports: [{ name: "org.qemu.guest_agent.0", state: "open" }],
};

describe("runDaemon channel choice", () => {
  test("Windows: the \\\\.\\Global\\ agent port the probe found is served with QGA", async () => {
    const fromHost = new ChunkQueue();
    const written: Uint8Array[] = [];
    let opened = 0;
    const port = (): ByteStream => {
      opened++;
      return { write: async (d) => void written.push(d), read: (signal) => fromHost.read(signal), close: () => {} };
    };
    const host = createFakeHost({ platform: "win32", programs: { "powershell.exe": () => ({ stdout: JSON.stringify(snapshot) }) }, streams: { [PORT]: port } });
    const stop = new AbortController();
    const done = runDaemon(host, { binaryPath: "C:\\agent.exe", version: "1.2.3", signal: stop.signal, policy: OPEN_POLICY, probe: { metadataUrl: "http://127.0.0.1:9", budgetMs: 100, startedAt: 0 } });
    fromHost.push(new TextEncoder().encode('{"execute":"guest-ping","id":1}\n'));
    const deadline = Date.now() + 3000;
    while (written.length === 0 && Date.now() < deadline) await Bun.sleep(5);
    stop.abort();
    await done;
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(new TextDecoder().decode(written[0])).toBe('{"return":{},"id":1}\n');
    expect(host.logs.some((l) => l.includes(`serving the QEMU guest agent protocol on ${PORT}`))).toBe(true);
  });

  test("neither XenStore nor a port: an error that says where it looked", async () => {
    const host = createFakeHost();
    const failure = await runDaemon(host, { binaryPath: "/a", version: "1", signal: new AbortController().signal, policy: OPEN_POLICY, probe: { metadataUrl: "http://127.0.0.1:9", budgetMs: 100, startedAt: 0 } }).catch((e) => e);
    expect(failure.message).toContain("agent daemon: no host channel found (XenStore: none of /var/run/xenstored/socket, /dev/xen/xenbus, /proc/xen/xenbus exists; virtio: no virtio-serial ports in /sys/class/virtio-ports)");
  });
});
