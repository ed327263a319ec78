import { UsageError } from "../errors.ts";
import { DEFAULT_BUDGET_MS } from "../probe/index.ts";
import { DEFAULT_METADATA_URL } from "../probe/metadata.ts";

/** Flags of every command that probes: probe, boot (and the daemon, later). */
export const probeArgs = {
  "metadata-url": {
    type: "string",
    valueHint: "URL",
    description: `Base URL of the metadata service (default ${DEFAULT_METADATA_URL}); tests point it at loopback`,
  },
  "budget-ms": { type: "string", valueHint: "N", description: `Time budget for the whole probe, in ms (default ${DEFAULT_BUDGET_MS})` },
} as const;

export function metadataUrlOf(flag: string | undefined): string {
  if (flag === undefined) return DEFAULT_METADATA_URL;
  let url: URL;
  try {
    url = new URL(flag);
  } catch {
    throw new UsageError(`--metadata-url ${JSON.stringify(flag)}: not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--metadata-url ${flag}: expected http:// or https://`);
  return flag;
}

export function budgetOf(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_BUDGET_MS;
  const ms = Number(flag);
  if (!Number.isInteger(ms) || ms < 10 || ms > 60_000) throw new UsageError(`--budget-ms ${JSON.stringify(flag)}: expected a whole number of ms from 10 to 60000`);
  return ms;
}
