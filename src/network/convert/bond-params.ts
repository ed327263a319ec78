import { BOND_MODES, type BondMode } from "../../model/network.ts";
import type { Problems } from "./problems.ts";

/**
 * v1 and network_data.json spell bond options the ifenslave way (`bond-miimon`, `bond_xmit_hash_policy`);
 * the model keeps netplan's names, the one vocabulary every renderer maps from. The table is
 * cloud-init's NET_CONFIG_TO_V2, so both agents read the same options.
 */
const V1_TO_V2: Record<string, string> = {
  "ad-select": "ad-select",
  "arp-interval": "arp-interval",
  "arp-ip-target": "arp-ip-targets",
  "arp-validate": "arp-validate",
  downdelay: "down-delay",
  "fail-over-mac": "fail-over-mac-policy",
  "lacp-rate": "lacp-rate",
  miimon: "mii-monitor-interval",
  "min-links": "min-links",
  "num-grat-arp": "gratuitous-arp",
  primary: "primary",
  "primary-reselect": "primary-reselect-policy",
  updelay: "up-delay",
  "xmit-hash-policy": "transmit-hash-policy",
};

/** v2's own names; the misspelling `gratuitious-arp` is netplan's and accepted as it is. */
export const V2_BOND_PARAMS = new Set([...Object.values(V1_TO_V2), "gratuitious-arp", "all-slaves-active", "learn-packet-interval", "packets-per-slave", "resend-igmp"]);

/**
 * A scalar as text, or undefined for anything else. String() is not safe on parsed data: a
 * mapping with a key named toString (`{toString: 1}`) makes it throw a TypeError.
 */
export function scalarText(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}

export function bondMode(value: unknown, problems: Problems, path: string): BondMode {
  if (value === undefined || value === null) return "balance-rr";
  const text = scalarText(value) ?? "";
  if (/^[0-6]$/.test(text)) return BOND_MODES[Number(text)] as BondMode;
  if ((BOND_MODES as readonly string[]).includes(text)) return text as BondMode;
  problems.add(path, `unknown bond mode ${JSON.stringify(value)}; expected one of ${BOND_MODES.join(", ")} (or 0-6)`);
  return "balance-rr";
}

type Scalar = string | number | boolean | string[];

/** `bond-miimon: 100` / `bond_miimon: 100` → { "mii-monitor-interval": 100 }; unknown options are problems. */
export function v1BondParams(params: Record<string, unknown>, problems: Problems, path: string): { mode: BondMode; params: Record<string, Scalar> } {
  let mode: BondMode = "balance-rr";
  const out: Record<string, Scalar> = {};
  for (const [key, value] of Object.entries(params)) {
    const bare = key.replace(/^bond[-_]/, "").replaceAll("_", "-");
    if (bare === "mode") {
      mode = bondMode(value, problems, `${path}.${key}`);
      continue;
    }
    if (bare === "links" || bare === "slaves" || bare === "master") continue;
    const name = V1_TO_V2[bare];
    if (!name) {
      problems.add(`${path}.${key}`, `unknown bond option; expected one of ${Object.keys(V1_TO_V2).map((k) => `bond-${k}`).join(", ")}`);
      continue;
    }
    const scalar = scalarOf(value, problems, `${path}.${key}`);
    if (scalar !== undefined) out[name] = scalar;
  }
  return { mode, params: out };
}

/** An option's value: a string, number, boolean, or a list of scalars (as text); else a problem. */
export function scalarOf(value: unknown, problems: Problems, path: string): Scalar | undefined {
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") return value;
  const list = Array.isArray(value) ? value.map(scalarText) : undefined;
  if (list && list.every((s) => s !== undefined)) return list as string[];
  return problems.add(path, `expected a string, a number, true or false, or a list of them; got ${JSON.stringify(value ?? null)}`);
}
