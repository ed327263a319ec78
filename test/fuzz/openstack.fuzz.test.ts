/**
 * OpenStack's metadata tree (config drive or metadata service: one reader, readOpenstack) from an
 * in-memory source: meta_data.json, network_data.json, user_data, vendor_data.json, injected files
 * and the version list, each mutated or left alone. Every result then goes through boot's own
 * preparation (user-data, network) and its view.
 */
import { describe, test } from "bun:test";
import { InputError } from "../../src/errors.ts";
import type { OpenstackSource } from "../../src/transports/openstack/openstack-source.ts";
import { readOpenstack } from "../../src/transports/openstack/read-openstack.ts";
import { expectValidInputs, prepare } from "./lib/boot-inputs.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { mutateBytes } from "./lib/mutate.ts";
import type { Rng } from "./lib/prng.ts";
import { bytesOf, fixtureText, seedSet } from "./lib/seeds.ts";
import { docInput } from "./lib/structures.ts";
import { USER_DATA_WORDS, userDataSeeds } from "./lib/user-data-seeds.ts";

const META = [
  JSON.stringify({
    uuid: "0b2c3f4e-1a2b-4c3d-9e8f-001122334455",
    hostname: "vm-1.novalocal",
    name: "vm-1",
    availability_zone: "nova",
    project_id: "p1",
    launch_index: 0,
    public_keys: { mykey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzz me@host" },
    keys: [{ name: "mykey", type: "ssh", data: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzz me@host" }],
    admin_pass: "s3cret-admin",
    files: [{ path: "/etc/injected.conf", content_path: "/content/0000" }],
    meta: { role: "web", admin_pass: "in-meta" },
    random_seed: "c2VlZA==",
    devices: [],
  }),
  JSON.stringify({ uuid: "i-1", hostname: "h" }),
];

const WORDS = ["uuid", "hostname", "name", "public_keys", "keys", "data", "admin_pass", "files", "path", "content_path", "/content/0000", "meta", "random_seed", "cloud-init", "latest", "2018-08-27"];

interface Tree {
  versions: string[];
  files: Map<string, Uint8Array>;
}

const metaSeeds = seedSet(META, WORDS);
const netSeeds = seedSet(
  [fixtureText("network/input/openstack-simple.network_data.json"), fixtureText("network/input/openstack-bond-vlan.network_data.json")],
  ["links", "networks", "services", "type", "phy", "bond", "vlan", "ipv4", "ipv4_dhcp", "ethernet_mac_address", "dns"],
);
const vendorSeeds = seedSet(['{"cloud-init": "#cloud-config\\npackages: [vendor]\\n"}', '"#cloud-config\\nruncmd: [v]\\n"', "{}"], ["cloud-init"]);
const userData = userDataSeeds();

function pickVersion(rng: Rng): string[] {
  return rng.weighted<() => string[]>([
    [8, () => ["2012-08-10", "2018-08-27", "latest"]],
    [2, () => ["latest"]],
    [1, () => []],
    [1, () => ["../..", "latest/../x"]],
    [1, () => [rng.pick(["2099-01-01", "latest ", "LATEST", "", "2018-08-27\n"])]],
  ])();
}

function generate(rng: Rng): Tree {
  const versions = pickVersion(rng);
  const version = versions.includes("2018-08-27") ? "2018-08-27" : "latest";
  const files = new Map<string, Uint8Array>();
  // Each file: mostly valid, sometimes mutated, sometimes missing; meta_data.json is mutated most.
  const file = (path: string, valid: () => Uint8Array, mutated: () => Uint8Array, pMutate: number, pMissing: number) => {
    if (rng.chance(pMissing)) return;
    files.set(path, rng.chance(pMutate) ? mutated() : valid());
  };
  const maxBytes = 2 << 20;
  file(`${version}/meta_data.json`, () => rng.pick(metaSeeds.texts), () => docInput(rng, { format: "json", ...metaSeeds, maxBytes }), 0.7, 0.03);
  file(`${version}/network_data.json`, () => rng.pick(netSeeds.texts), () => docInput(rng, { format: "json", ...netSeeds, maxBytes }), 0.3, 0.3);
  file(`${version}/user_data`, () => rng.pick(userData), () => mutateBytes(rng, rng.pick(userData), { others: userData, dictionary: USER_DATA_WORDS, maxBytes }), 0.2, 0.4);
  file(`${version}/vendor_data.json`, () => rng.pick(vendorSeeds.texts), () => docInput(rng, { format: "json", ...vendorSeeds, maxBytes }), 0.3, 0.5);
  file("content/0000", () => bytesOf("injected\n"), () => rng.bytes(rng.small(1 << 16)), 0.2, 0.1);
  return { versions, files };
}

/** The tree as a config drive or the metadata service would give it: absent files are undefined. */
function sourceOf(tree: Tree): OpenstackSource {
  return {
    name: "fuzz-drive",
    label: (path) => `fuzz-drive:openstack/${path}`,
    versions: async () => [...tree.versions],
    async get(path, maxBytes) {
      const bytes = tree.files.get(path);
      if (bytes && bytes.length > maxBytes) throw new InputError(`fuzz-drive:openstack/${path}`, [{ path: "", message: `${bytes.length} bytes is over the limit` }]);
      return bytes;
    },
  };
}

const target: FuzzTarget<Tree> = {
  name: "openstack meta_data.json tree",
  file: import.meta.path,
  count: 2500,
  generate,
  async run(tree) {
    return prepare(await readOpenstack(sourceOf(tree), "config-drive"));
  },
  check: expectValidInputs,
  show: (tree) => JSON.stringify({ versions: tree.versions, files: Object.fromEntries([...tree.files].map(([p, b]) => [p, Buffer.from(b.subarray(0, 300)).toString("latin1")])) }),
  bytes: (tree) => JSON.stringify({ versions: tree.versions, files: Object.fromEntries([...tree.files].map(([p, b]) => [p, Buffer.from(b).toString("base64")])) }),
};

describe("fuzz: openstack", () => {
  test(target.name, async () => expectClean(await fuzz(target), target), timeoutFor(target.count, 20));
});
