import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import { blockLabelDetector } from "../../src/probe/block-label.ts";
import { pseudoRandomBytes, Workspace } from "../helpers/make-images.ts";

const ws = new Workspace();
afterAll(() => ws.remove());

/** A root whose /sys/class/block lists `devices` and whose /dev holds their images. */
function rootWith(name: string, devices: Record<string, Uint8Array | null>): string {
  const root = ws.path(name);
  mkdirSync(join(root, "dev"), { recursive: true });
  for (const [device, image] of Object.entries(devices)) {
    mkdirSync(join(root, "sys/class/block", device), { recursive: true });
    if (image) writeFileSync(join(root, "dev", device), image);
  }
  return root;
}

async function detect(root: string) {
  const host = await createRealHost({ root, log: createLogger({ level: "silent", json: true }) });
  const findings = await blockLabelDetector.detect({ host, signal: AbortSignal.timeout(3000), metadataUrl: "http://127.0.0.1:9" });
  return Object.fromEntries(findings.map((f) => [f.transport, f]));
}

let configIso: Uint8Array;
let cidataFat: Uint8Array;
let otherIso: Uint8Array;
beforeAll(async () => {
  const tree = ws.tree("content", { "openstack/latest/meta_data.json": '{"uuid": "iid-1"}', "meta-data": "instance-id: iid-1\n" });
  configIso = await ws.iso("genisoimage", ["-V", "config-2", "-J", "-R"], tree, "config.iso");
  otherIso = await ws.iso("xorriso", ["-V", "INSTALL_CD", "-J", "-R"], tree, "other.iso");
  cidataFat = await ws.fat(12, "CIDATA", 1440, tree, "cidata.img");
});

describe("block-label detector", () => {
  test("a config-2 ISO on sr0 and a CIDATA FAT disk on vdb, read from their superblocks", async () => {
    const found = await detect(rootWith("both", { sr0: configIso, vda: pseudoRandomBytes(256 * 1024, 7), vda1: configIso, vdb: cidataFat }));
    expect(found["config-drive"]).toEqual({ transport: "config-drive", verdict: "found", location: "/dev/sr0", evidence: ['/dev/sr0: iso9660 label "config-2"'] });
    expect(found.nocloud).toEqual({ transport: "nocloud", verdict: "found", location: "/dev/vdb", evidence: ['/dev/vdb: vfat label "CIDATA"'] });
  });

  test("partitions are not candidates; other labels, garbage, truncated and missing devices are each explained", async () => {
    const root = rootWith("none", {
      vda: pseudoRandomBytes(64 * 1024, 3),
      vda1: configIso,
      sr0: otherIso,
      sr1: configIso.subarray(0, 20 * 1024),
      sdz: null,
      loop0: configIso,
    });
    const found = await detect(root);
    expect(found["config-drive"]?.verdict).toBe("absent");
    expect(found["config-drive"]?.evidence).toEqual([
      "no device labelled config-2",
      "/dev/sdz: read /dev/sdz: no such file or directory",
      '/dev/sr0: iso9660 label "INSTALL_CD"',
      "/dev/sr1: no iso9660 or vfat filesystem",
      "/dev/vda: no iso9660 or vfat filesystem",
    ]);
    expect(found.nocloud?.verdict).toBe("absent");
  });

  test("no block devices at all", async () => {
    const found = await detect(rootWith("empty", {}));
    expect(found["config-drive"]?.evidence).toEqual(["no device labelled config-2", "no disks or CD-ROMs in /sys/class/block"]);
  });
});
