import type { Problem } from "../../errors.ts";
import { MAX_PAYLOAD } from "./wire.ts";

/**
 * How much vm-data is believed. Nova writes one networking entry per VIF (Xen allows a handful per
 * domain) and one user-metadata key per server metadata item (Nova's own quota is 128); anything far
 * past that is not a cloud describing an instance, and must not cost the boot memory or round trips.
 */
export const VM_DATA_LIMITS = {
  networking: 64,
  userMetadata: 256,
  /** Levels below vm-data/provider_data: `provider_data/a/b/c/d` is 4. */
  providerDepth: 4,
  /** Every node below vm-data/provider_data, inner ones included. */
  providerNodes: 256,
  /** A value can be no longer than one wire payload; a value from elsewhere is held to the same. */
  valueBytes: MAX_PAYLOAD,
} as const;

const encoder = new TextEncoder();

export function tooMany(path: string, count: number, limit: number): Problem | undefined {
  return count > limit ? { path, message: `${count} entries, over the limit of ${limit}` } : undefined;
}

export function tooLarge(path: string, value: string): Problem | undefined {
  const bytes = encoder.encode(value).length;
  return bytes > VM_DATA_LIMITS.valueBytes ? { path, message: `${bytes} bytes, over the limit of ${VM_DATA_LIMITS.valueBytes} bytes` } : undefined;
}

export function tooDeep(path: string): Problem {
  return { path, message: `nested deeper than ${VM_DATA_LIMITS.providerDepth} levels below vm-data/provider_data` };
}

export function tooManyNodes(path: string): Problem {
  return { path, message: `more than ${VM_DATA_LIMITS.providerNodes} nodes under vm-data/provider_data` };
}
