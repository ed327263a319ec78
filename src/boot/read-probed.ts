import { HostError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import type { InstanceData } from "../model/instance-data.ts";
import { probe, type ProbeOptions } from "../probe/index.ts";
import { readInstanceData } from "../transports/read-instance-data.ts";

/** Without --seed, the probe says where the instance data is. */
export async function readProbed(host: Host, options: ProbeOptions): Promise<InstanceData> {
  const result = await probe(host, options);
  const chosen = result.candidates.find((c) => c.transport === result.chosen);
  if (!chosen) {
    const seen = result.candidates.map((c) => `  ${c.transport}: ${c.verdict}: ${c.evidence[0] ?? ""}`).join("\n");
    throw new HostError(`no source of instance data found (agent probe shows the evidence):\n${seen}`);
  }
  return readInstanceData(host, chosen, result.platform);
}
