import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";
import type { FakeTree } from "../../src/host/fake-fs.ts";
import { virtioDetector } from "../../src/probe/virtio.ts";

async function detect(tree: FakeTree) {
  const host = createFakeHost({ tree });
  const [finding] = await virtioDetector.detect({ host, signal: new AbortController().signal, metadataUrl: "http://127.0.0.1:9" });
  return finding;
}

describe("virtio-serial detector", () => {
  test("the QEMU guest agent port, found through sysfs with its /dev node", async () => {
    const finding = await detect({
      "/sys/class/virtio-ports/vport0p1/name": "org.qemu.guest_agent.0\n",
      "/sys/class/virtio-ports/vport0p2/name": "com.redhat.spice.0\n",
      "/dev/vport0p1": { device: "char" },
    });
    expect(finding).toEqual({
      transport: "virtio",
      verdict: "found",
      location: "/dev/vport0p1",
      evidence: ["vport0p1: org.qemu.guest_agent.0, /dev/vport0p1 present", "vport0p2: com.redhat.spice.0 (not an agent port)"],
    });
  });

  test("both agent ports: the QEMU one is used, whatever the order in sysfs", async () => {
    const finding = await detect({
      "/sys/class/virtio-ports/vport0p1/name": "org.tether.agent.0\n",
      "/sys/class/virtio-ports/vport0p2/name": "org.qemu.guest_agent.0\n",
      "/dev/vport0p1": { device: "char" },
      "/dev/vport0p2": { device: "char" },
    });
    expect(finding?.location).toBe("/dev/vport0p2");
  });

  test("the name without its device node is only a maybe", async () => {
    const finding = await detect({ "/sys/class/virtio-ports/vport1p1/name": "org.tether.agent.0\n" });
    expect(finding?.verdict).toBe("maybe");
    expect(finding?.evidence).toEqual(["vport1p1: org.tether.agent.0, /dev/vport1p1 missing"]);
  });

  test("no ports, or only other ports: absent", async () => {
    expect((await detect({}))?.verdict).toBe("absent");
    expect((await detect({ "/sys/class/virtio-ports/vport0p1/name": "com.redhat.spice.0\n" }))?.verdict).toBe("absent");
  });

  test("a garbled port name is reported, not trusted", async () => {
    const finding = await detect({ "/sys/class/virtio-ports/vport0p1/name": new Uint8Array([0x6f, 0x72, 0x67, 0x00, 0x01]) });
    expect(finding).toEqual({ transport: "virtio", verdict: "absent", evidence: ["vport0p1: name not printable text"] });
  });
});
