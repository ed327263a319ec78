import type { Host } from "../../host/types.ts";
import type { InstanceData } from "../../model/instance-data.ts";
import { readOpenstack } from "../openstack/read-openstack.ts";
import { readEc2 } from "./ec2.ts";
import { createFetcher, type RetryPolicy } from "./fetcher.ts";
import { openstackHttpSource, openstackVersions } from "./openstack-http.ts";

export interface MetadataServiceOptions {
  /** The whole read, every request, retry and backoff included. */
  budgetMs: number;
  signal?: AbortSignal;
  /** Overrides of the retry policy (tests make it deterministic and quick). */
  policy?: Partial<RetryPolicy>;
}

/**
 * Reads the instance data from the metadata service at `baseUrl`: OpenStack's tree when
 * GET /openstack lists versions, else EC2's. Fails within the budget, never waits longer.
 */
export async function readMetadataService(host: Host, baseUrl: string, options: MetadataServiceOptions): Promise<InstanceData> {
  const log = host.log.withTag("metadata-http");
  const fetcher = createFetcher(host, baseUrl, { budgetMs: options.budgetMs, signal: options.signal }, options.policy);
  const versions = await openstackVersions(fetcher);
  if (versions) {
    log.debug(`OpenStack metadata at ${fetcher.baseUrl}, versions ${versions.join(", ")}`);
    return readOpenstack(openstackHttpSource(fetcher, versions), "metadata-http");
  }
  return readEc2(fetcher, log);
}
