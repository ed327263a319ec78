import { InputError } from "../../errors.ts";
import type { SourceNetworkConfig } from "../../model/instance-data.ts";
import { isRecord } from "../../model/mapping.ts";

/**
 * NoCloud `network-config`: network config v1 or v2, either bare or under a top-level `network:` key.
 * Returns undefined for an empty file or `config: disabled` (the cloud says: leave the network alone).
 */
export function readNetworkConfig(parsed: unknown, source: string): SourceNetworkConfig | undefined {
  if (parsed === null || parsed === undefined) return undefined;
  const body = isRecord(parsed) && isRecord(parsed.network) ? parsed.network : parsed;
  const path = body === parsed ? "" : "network.";
  if (!isRecord(body)) throw new InputError(source, [{ path: "", message: "expected a mapping with `version: 1` or `version: 2`" }]);
  if (body.config === "disabled") return undefined;
  if (body.version === 1 || body.version === 2) return { format: `v${body.version}`, source, config: body };
  throw new InputError(source, [{ path: `${path}version`, message: `expected 1 or 2, got ${JSON.stringify(body.version ?? null)}` }]);
}
