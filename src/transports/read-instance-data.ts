import { HostError, NotBuiltError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import type { InstanceData } from "../model/instance-data.ts";
import type { Candidate, PlatformFacts } from "../probe/types.ts";
import { readMetadataService } from "./metadata-http/read-metadata-service.ts";
import { readNocloudSeed, treeSeed, type SeedFiles } from "./nocloud/read-seed.ts";
import { seedFrom } from "./nocloud/seed-from.ts";
import { openVolume } from "./open-volume.ts";
import type { FileTree } from "./file-tree.ts";
import { configDriveSource } from "./openstack/config-drive-source.ts";
import { readOpenstack } from "./openstack/read-openstack.ts";
import { readVmData } from "./xenstore/read-vm-data.ts";

/**
 * How long reading may take once the probe has chosen: the metadata service's first answer can take
 * seconds (nova behind neutron's proxy), but a boot must never hang on an absent cloud as
 * cloud-init's 240 s wait does.
 */
export const READ_BUDGET_MS = 20_000;

/** A seed given wholly on the command line (`ds=nocloud;i=…;h=…`, no `s=`): no files at all. */
const noFiles: SeedFiles = { location: "kernel command line", get: async () => undefined };

/** Reads the instance data from the transport the probe chose. */
/** A volume Windows has mounted ("D:\\" from the probe): read through the drive, by Windows' own file system drivers. */
const driveOf = (location: string | undefined) => (location && /^[A-Za-z]:\\$/.test(location) ? location.slice(0, 2) : undefined);

async function openLabelled(host: Host, location: string): Promise<FileTree> {
  const drive = driveOf(location);
  if (!drive) return openVolume(host.fs, location);
  if (!host.openDrive) throw new HostError(`${location}: a Windows drive, and this is not Windows`);
  return host.openDrive(drive);
}

export async function readInstanceData(host: Host, chosen: Candidate, platform: PlatformFacts, budgetMs = READ_BUDGET_MS): Promise<InstanceData> {
  const location = chosen.location;
  const onVolume = location?.startsWith("/dev/") === true || driveOf(location) !== undefined;
  switch (chosen.transport) {
    case "config-drive":
      if (onVolume) return readOpenstack(configDriveSource(await openLabelled(host, location as string), location as string), "config-drive");
      break;
    case "nocloud": {
      if (onVolume) return readNocloudSeed(treeSeed(await openLabelled(host, location as string), location as string));
      const { seedfrom, ...overrides } = platform.nocloudSeed ?? {};
      return readNocloudSeed(seedfrom ? seedFrom(host, seedfrom, { budgetMs }) : noFiles, overrides);
    }
    case "metadata-http":
      if (location) return readMetadataService(host, location, { budgetMs });
      break;
    case "xenstore":
      if (location) return readVmData(host, location, { budgetMs });
      // Xen's signs without a xenstored to ask (a "maybe"): nothing to read, and nothing unbuilt.
      throw new HostError(`XenStore: no xenstored socket or xenbus device to read vm-data from (${chosen.evidence.join("; ")})`);
  }
  throw new NotBuiltError(`reading instance data from ${chosen.transport}${location ? ` at ${location}` : ""}`, 10);
}
