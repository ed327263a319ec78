import { isRecord } from "../model/mapping.ts";

/**
 * cloud-init's default merge of cloud-config parts: mappings merge key by key, recursively; for any
 * other value (a list, a string, a number) the later part's value replaces the earlier one.
 */
export function mergeCloudConfig(base: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(next)) {
    const old = out[key];
    out[key] = isRecord(old) && isRecord(value) ? mergeCloudConfig(old, value) : value;
  }
  return out;
}
