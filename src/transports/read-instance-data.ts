import { NotBuiltError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import type { InstanceData } from "../model/instance-data.ts";
import type { Candidate } from "../probe/types.ts";
import { readNocloudSeed, treeSeed } from "./nocloud/read-seed.ts";
import { openVolume } from "./open-volume.ts";
import { configDriveSource } from "./openstack/config-drive-source.ts";
import { readOpenstack } from "./openstack/read-openstack.ts";

/** Which issue brings each source that cannot be read yet. */
const NOT_YET: Record<string, number> = { "config-drive": 4, "metadata-http": 4, xenstore: 8, nocloud: 4 };

/** Reads the instance data from the transport the probe chose. */
export async function readInstanceData(host: Host, chosen: Candidate): Promise<InstanceData> {
  const location = chosen.location;
  if (chosen.transport === "nocloud" && location?.startsWith("/dev/")) {
    return readNocloudSeed(treeSeed(await openVolume(host.fs, location), location));
  }
  if (chosen.transport === "config-drive" && location?.startsWith("/dev/")) {
    return readOpenstack(configDriveSource(await openVolume(host.fs, location), location), "config-drive");
  }
  const where = location ? ` at ${location}` : "";
  throw new NotBuiltError(`reading instance data from ${chosen.transport}${where}`, NOT_YET[chosen.transport] ?? 4);
}
