import { isRecord } from "../model/mapping.ts";

/**
 * cloud-init's default merge of cloud-config parts: mappings merge key by key, recursively; for any
 * other value (a list, a string, a number) the later part's value replaces the earlier one.
 */
export function mergeCloudConfig(base: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(next)) {
    const old = Object.hasOwn(out, key) ? out[key] : undefined;
    // defineProperty, not `out[key] =`: a key named __proto__ would set the prototype, and its
    // members would then be read as cloud-config keys without being keys at all.
    Object.defineProperty(out, key, { value: isRecord(old) && isRecord(value) ? mergeCloudConfig(old, value) : value, writable: true, enumerable: true, configurable: true });
  }
  return out;
}
