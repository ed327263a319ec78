import type { CloudConfig } from "../model/cloud-config/index.ts";
import type { BootInputs } from "./inputs.ts";

export interface ConfigView {
  config: CloudConfig;
  /** Where a key's value came from, for an InputError's source: "… user-data" or "… vendor-data". */
  sourceOf(key: keyof CloudConfig): string;
}

/**
 * The cloud-config the actions apply: vendor-data's keys under user-data's, key by key, as cloud-init
 * merges them (the user's own setting of a key replaces the cloud's whole value).
 */
export function cloudConfigOf(inputs: BootInputs): ConfigView {
  const where = inputs.data.source.location;
  const user = inputs.userData?.config ?? {};
  const vendor = inputs.vendorData?.config ?? {};
  const config: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const [layer, name] of [[vendor, "vendor-data"], [user, "user-data"]] as const) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      config[key] = value;
      from[key] = `${where} ${name}`;
    }
  }
  return { config: config as CloudConfig, sourceOf: (key) => from[key] ?? `${where} user-data` };
}
