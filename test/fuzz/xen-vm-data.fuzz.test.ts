/**
 * XenStore vm-data as the toolstack leaves it (vmDataToInstanceData, the pure half of readVmData):
 * the `vm` key, hostname, networking entries (JSON text per MAC), user-metadata (JSON text per key)
 * and provider_data (a tree), each mutated, multiplied past the limits, nested past them. Results
 * go through boot's preparation, where the networking entries meet the xen converter.
 */
import { describe, test } from "bun:test";
import { type ProviderData, type VmDataTree, vmDataToInstanceData } from "../../src/transports/xenstore/vm-data.ts";
import { expectValidInputs, prepare } from "./lib/boot-inputs.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { mutateBytes, utf8Bytes } from "./lib/mutate.ts";
import type { Rng } from "./lib/prng.ts";
import { fixtureText, seedSet } from "./lib/seeds.ts";
import { docInput } from "./lib/structures.ts";

const xenFixture = JSON.parse(fixtureText("network/input/xen.json")) as Record<string, unknown>;
const entries = Object.values(xenFixture).map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
const netSeeds = seedSet([...entries, '{"mac": "fa:16:3e:00:00:03", "ips": [{"ip": "10.9.0.3", "netmask": "255.255.255.0", "enabled": "1", "gateway": "10.9.0.1"}], "dns": ["10.9.0.53"], "routes": [{"route": "10.8.0.0", "netmask": "16", "gateway": "10.9.0.1"}]}'],
  ["mac", "ips", "ip6s", "ip", "netmask", "gateway", "gateway_v6", "enabled", "routes", "route", "dns", "label"]);
const metaSeeds = seedSet(['"web"', '{"role": "db", "tier": [1, 2]}', "42", "null"], ["role"]);
const decoder = new TextDecoder();
const text = (bytes: Uint8Array) => decoder.decode(bytes);

const VMS = ["/vm/0b2c3f4e-1a2b-4c3d-9e8f-001122334455", "/vm/0B2C3F4E-1A2B-4C3D-9E8F-001122334455/\n", "/vm/00000000-0000-0000-0000-000000000000", "/vm/not-a-uuid", "0b2c3f4e-1a2b-4c3d-9e8f-001122334455", "/vm/0b2c3f4e-1a2b-4c3d-9e8f-001122334455\0"];
const MAC_KEYS = ["fa163e000001", "fa163e000002", "fa163e000003", "FA163E000001", "fa:16:3e:00:00:01", "zz", ""];

/** A provider_data tree; `budget` bounds its nodes (a wide tree nested deep would be exponential). */
function providerTree(rng: Rng, depth: number, budget = { nodes: 600 }): ProviderData {
  const out: ProviderData = {};
  const width = rng.pick([1, 2, 4, 300]);
  for (let i = 0; i < width && budget.nodes-- > 0; i++) {
    const name = rng.pick(["a", "b", "key", `k${i}`, "..", "", "x/y", "\0"]);
    out[name] = depth > 0 && rng.chance(0.4) ? providerTree(rng, depth - 1, budget) : rng.pick(["v", "", "x".repeat(rng.pick([10, 4096, 4097])), "a\nb\0"]);
  }
  return out;
}

function generate(rng: Rng): { tree: VmDataTree; hypervisorUuid?: string } {
  const tree: VmDataTree = {};
  if (rng.chance(0.9)) tree.vm = rng.chance(0.7) ? VMS[0]! : rng.chance(0.7) ? rng.pick(VMS) : text(mutateBytes(rng, utf8Bytes(VMS[0]!), { others: [], dictionary: [], maxBytes: 4096 }));
  if (rng.chance(0.7)) tree.hostname = rng.chance(0.6) ? "vm-1.example.com" : rng.pick(["vm-1", "vm-1.example.com\0", "", "bad_name", "a".repeat(64), "vm-1\n", "-x-", "ab.-c"]);
  if (rng.chance(0.8)) {
    const count = rng.weighted([[10, rng.range(1, 3)], [1, 65], [1, 0]]);
    tree.networking = {};
    for (let i = 0; i < count; i++) {
      const key = i < 3 ? MAC_KEYS[i]! : rng.chance(0.5) ? rng.pick(MAC_KEYS) : `fa163e0000${(i % 256).toString(16).padStart(2, "0")}`;
      tree.networking[key] = rng.chance(0.4) ? text(docInput(rng, { format: "json", ...netSeeds, maxBytes: 8192 })) : rng.pick(entries);
    }
  }
  if (rng.chance(0.4)) {
    tree.userMetadata = {};
    for (let i = 0; i < rng.pick([1, 3, 257]); i++) tree.userMetadata[`k${i}`] = text(docInput(rng, { format: "json", ...metaSeeds, maxBytes: 8192 }));
  }
  if (rng.chance(0.3)) tree.providerData = providerTree(rng, rng.pick([1, 3, 6]));
  return { tree, ...(rng.chance(0.3) ? { hypervisorUuid: rng.pick(["0b2c3f4e-1a2b-4c3d-9e8f-001122334455\n", "garbage", ""]) } : {}) };
}

const target: FuzzTarget<{ tree: VmDataTree; hypervisorUuid?: string }> = {
  name: "xenstore vm-data",
  file: import.meta.path,
  count: 2000,
  generate,
  run: ({ tree, hypervisorUuid }) => prepare(vmDataToInstanceData(tree, { location: "fuzz-xenstore", ...(hypervisorUuid === undefined ? {} : { hypervisorUuid }) })),
  check: expectValidInputs,
};

describe("fuzz: xenstore vm-data", () => {
  test(target.name, async () => expectClean(await fuzz(target), target), timeoutFor(target.count, 20));
});
