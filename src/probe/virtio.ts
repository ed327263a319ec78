import { listOrEmpty, readSysValue } from "./read-sysfs.ts";
import type { CandidateFinding, Detector } from "./types.ts";

/** Port names the agent answers on, the QEMU guest agent's first: that is the one hosts use. */
export const AGENT_PORTS = ["org.qemu.guest_agent.0", "org.tether.agent.0"];

/**
 * virtio-serial ports by their sysfs names. The /dev/virtio-ports/<name> links exist only where
 * udev runs, so the device is found as /dev/<vportNpM>, the name of the sysfs entry.
 */
export const virtioDetector: Detector = {
  name: "virtio",
  transports: ["virtio"],
  async detect({ host }): Promise<CandidateFinding[]> {
    const evidence: string[] = [];
    const usable: { port: string; device: string }[] = [];
    for (const port of await listOrEmpty(host.fs, "/sys/class/virtio-ports")) {
      const name = await readSysValue(host.fs, `/sys/class/virtio-ports/${port}/name`);
      if (!name) continue;
      if (!name.ok) {
        evidence.push(`${port}: name ${name.why}`);
        continue;
      }
      if (!AGENT_PORTS.includes(name.value)) {
        evidence.push(`${port}: ${name.value} (not an agent port)`);
        continue;
      }
      const device = `/dev/${port}`;
      const stat = await host.fs.stat(device).catch(() => null);
      evidence.push(`${port}: ${name.value}, ${stat ? `${device} present` : `${device} missing`}`);
      if (stat) usable.push({ port: name.value, device });
    }
    if (evidence.length === 0) evidence.push("no virtio-serial ports in /sys/class/virtio-ports");
    usable.sort((a, b) => AGENT_PORTS.indexOf(a.port) - AGENT_PORTS.indexOf(b.port));
    const best = usable[0];
    if (best) return [{ transport: "virtio", verdict: "found", evidence, location: best.device }];
    const named = evidence.some((e) => AGENT_PORTS.some((p) => e.includes(p)));
    return [{ transport: "virtio", verdict: named ? "maybe" : "absent", evidence }];
  },
};
