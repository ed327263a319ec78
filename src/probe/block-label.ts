import { InputError } from "../errors.ts";
import { blockSourceOf } from "../transports/images/block-source.ts";
import { readVolumeLabel } from "../transports/images/volume-label.ts";
import { LABELS, transportOfLabel } from "./labels.ts";
import { listOrEmpty } from "./read-sysfs.ts";
import type { CandidateFinding, Detector } from "./types.ts";

/** Whole disks and CD-ROMs; partitions (vda1, nvme0n1p1) are not config drives. */
const WHOLE_DISK = /^(sr\d+|vd[a-z]+|xvd[a-z]+|sd[a-z]+|nvme\d+n\d+)$/;


function reason(error: unknown): string {
  if (error instanceof InputError) return error.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
  const code = (error as { code?: string }).code;
  return code === "ENOMEDIUM" ? "no medium" : (error as Error).message;
}

/**
 * Finds config drives (label config-2) and NoCloud disks (label cidata) by reading each device's
 * own superblock: no blkid, no udev links, which cloud-init fails without.
 */
export const blockLabelDetector: Detector = {
  name: "block-label",
  transports: ["config-drive", "nocloud"],
  async detect({ host }): Promise<CandidateFinding[]> {
    const devices = (await listOrEmpty(host.fs, "/sys/class/block")).filter((name) => WHOLE_DISK.test(name));
    const lines = await Promise.all(
      devices.map(async (name) => {
        const device = `/dev/${name}`;
        try {
          const label = await readVolumeLabel(blockSourceOf(host.fs, device));
          if (!label) return { device, line: `${device}: no iso9660 or vfat filesystem` };
          const transport = label.label ? transportOfLabel(label.label) : undefined;
          return { device, transport, line: `${device}: ${label.filesystem} label ${JSON.stringify(label.label)}` };
        } catch (error) {
          return { device, line: `${device}: ${reason(error)}` };
        }
      }),
    );
    const scanned = lines.length ? lines.map((l) => l.line) : ["no disks or CD-ROMs in /sys/class/block"];
    return (["config-drive", "nocloud"] as const).map((transport) => {
      const hit = lines.find((l) => l.transport === transport);
      return hit
        ? { transport, verdict: "found", evidence: [hit.line], location: hit.device }
        : { transport, verdict: "absent", evidence: [`no device labelled ${LABELS[transport]}`, ...scanned] };
    });
  },
};
