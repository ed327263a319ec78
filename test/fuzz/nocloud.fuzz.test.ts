/**
 * A NoCloud seed (readNocloudSeed) from memory: meta-data (YAML), network-config (v1 or v2 YAML),
 * user-data and vendor-data, with the kernel command line's overrides now and then. Results go
 * through boot's preparation and view, as a seed read at boot would.
 */
import { describe, test } from "bun:test";
import { InputError } from "../../src/errors.ts";
import { readNocloudSeed, type SeedFile, type SeedFiles, type SeedOverrides } from "../../src/transports/nocloud/read-seed.ts";
import { expectValidInputs, prepare } from "./lib/boot-inputs.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { mutateBytes } from "./lib/mutate.ts";
import type { Rng } from "./lib/prng.ts";
import { fixtureText, seedSet } from "./lib/seeds.ts";
import { docInput } from "./lib/structures.ts";
import { USER_DATA_WORDS, userDataSeeds } from "./lib/user-data-seeds.ts";

const META = [
  "instance-id: iid-local01\nlocal-hostname: cloudimg\n",
  "instance-id: i-abc\nhostname: host.example.com\npublic-keys:\n  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzz a@b\n  - '# a comment'\nnetwork-interfaces: |\n  auto eth0\n  iface eth0 inet dhcp\n",
  "instance-id: 12345\npublic-keys: {k1: ssh-rsa AAAAB3Nz k1, k2: [ssh-ed25519 AAAA k2]}\ndsmode: local\n",
  '{"instance-id": "json-form", "local-hostname": "j"}\n',
];
const metaSeeds = seedSet(META, ["instance-id", "local-hostname", "hostname", "public-keys", "dsmode", "network-interfaces", "seedfrom"]);
const netSeeds = seedSet(
  [fixtureText("network/input/v1-all.yaml"), fixtureText("network/input/v2-all.yaml"), "version: 2\nethernets:\n  eth0: {dhcp4: true}\n", "network:\n  config: disabled\n"],
  ["version", "config", "ethernets", "disabled", "network", "type", "physical", "subnets", "dhcp4"],
);
const userData = userDataSeeds();

interface Seed {
  files: Partial<Record<SeedFile, Uint8Array>>;
  overrides: SeedOverrides;
}

function generate(rng: Rng): Seed {
  const files: Seed["files"] = {};
  const maxBytes = 2 << 20;
  if (!rng.chance(0.05)) files["meta-data"] = rng.chance(0.75) ? docInput(rng, { format: "yaml", ...metaSeeds, maxBytes }) : rng.pick(metaSeeds.texts);
  if (rng.chance(0.6)) files["network-config"] = rng.chance(0.6) ? docInput(rng, { format: "yaml", ...netSeeds, maxBytes }) : rng.pick(netSeeds.texts);
  if (rng.chance(0.5)) files["user-data"] = rng.chance(0.4) ? mutateBytes(rng, rng.pick(userData), { others: userData, dictionary: USER_DATA_WORDS, maxBytes }) : rng.pick(userData);
  if (rng.chance(0.2)) files["vendor-data"] = mutateBytes(rng, rng.pick(userData), { others: userData, dictionary: USER_DATA_WORDS, maxBytes });
  const overrides: SeedOverrides = {};
  if (rng.chance(0.1)) overrides["instance-id"] = rng.pick(["iid-cmdline", "", "a b", "../x", "x".repeat(5000)]);
  if (rng.chance(0.1)) overrides["local-hostname"] = rng.pick(["h", "-bad-", "a".repeat(300), "h\nx"]);
  return { files, overrides };
}

/** The seed as a directory or cidata volume gives it, with getBounded's size check. */
function seedFiles(seed: Seed): SeedFiles {
  return {
    location: "fuzz-seed",
    async get(name, maxBytes) {
      const bytes = seed.files[name];
      if (bytes && bytes.length > maxBytes) throw new InputError(`fuzz-seed/${name}`, [{ path: "", message: `${bytes.length} bytes is over the limit of ${maxBytes} bytes` }]);
      return bytes;
    },
  };
}

const show = (seed: Seed) =>
  JSON.stringify({ overrides: seed.overrides, files: Object.fromEntries(Object.entries(seed.files).map(([k, b]) => [k, Buffer.from(b.subarray(0, 300)).toString("latin1")])) });

const target: FuzzTarget<Seed> = {
  name: "nocloud seed (meta-data, network-config, user-data)",
  file: import.meta.path,
  count: 1200,
  generate,
  async run(seed) {
    return prepare(await readNocloudSeed(seedFiles(seed), seed.overrides));
  },
  check: expectValidInputs,
  show,
  bytes: (seed) => JSON.stringify({ overrides: seed.overrides, files: Object.fromEntries(Object.entries(seed.files).map(([k, b]) => [k, Buffer.from(b).toString("base64")])) }),
};

describe("fuzz: nocloud", () => {
  test(target.name, async () => expectClean(await fuzz(target), target), timeoutFor(target.count, 30));
});
