import { InputError } from "../../errors.ts";
import { splitHostname } from "../../model/hostname.ts";
import type { InstanceData } from "../../model/instance-data.ts";
import { requireMapping } from "../../model/mapping.ts";
import { parseWith } from "../../model/validate.ts";
import { parseYaml } from "../../parse/yaml.ts";
import { getBounded, utf8 } from "../file-source.ts";
import type { FileTree } from "../file-tree.ts";
import { NocloudMetaDataSchema } from "./meta-data.ts";
import { readNetworkConfig } from "./network-config.ts";

/** Larger files are refused before they are read: a seed is configuration, not a payload. */
export const LIMITS = { "meta-data": 1 << 20, "network-config": 1 << 20, "user-data": 16 << 20, "vendor-data": 16 << 20 };
export type SeedFile = keyof typeof LIMITS;

/** Where a NoCloud seed's four files come from: a directory, a cidata volume, a URL. */
export interface SeedFiles {
  /** Names the seed in errors and in InstanceData.source.location. */
  readonly location: string;
  get(name: SeedFile, maxBytes: number): Promise<Uint8Array | undefined>;
}

/** A seed that is a tree: a directory or a cidata volume, with the files at its top. */
export function treeSeed(tree: FileTree, location: string): SeedFiles {
  return { location, get: (name, maxBytes) => getBounded(tree, `/${name}`, maxBytes, `${location}/${name}`) };
}

/** Values given outside the seed (the kernel command line's `i=` and `h=`), which win over meta-data. */
export interface SeedOverrides {
  "instance-id"?: string;
  "local-hostname"?: string;
}

/**
 * Reads a NoCloud seed (cloud-init's DataSourceNoCloud: meta-data, user-data, vendor-data,
 * network-config).
 */
export async function readNocloudSeed(seed: SeedFiles, overrides: SeedOverrides = {}): Promise<InstanceData> {
  const { location } = seed;
  const metaSource = `${location}/meta-data`;
  const metaBytes = await seed.get("meta-data", LIMITS["meta-data"]);
  if (!metaBytes && !overrides["instance-id"]) {
    throw new InputError(metaSource, [{ path: "", message: "missing: a NoCloud seed needs meta-data with an instance-id" }]);
  }
  const metaDoc = metaBytes ? requireMapping(parseYaml(utf8(metaBytes, metaSource), metaSource), metaSource, "keys (instance-id, local-hostname, …)") : {};
  const meta = parseWith(NocloudMetaDataSchema, { ...metaDoc, ...overrides }, metaSource);

  const netSource = `${location}/network-config`;
  const netBytes = await seed.get("network-config", LIMITS["network-config"]);
  const network = netBytes ? readNetworkConfig(parseYaml(utf8(netBytes, netSource), netSource), netSource) : undefined;

  const { "instance-id": instanceId, "local-hostname": localHostname, hostname, "public-keys": publicKeys, ...rest } = meta;
  const data: InstanceData = {
    source: { transport: "nocloud", location },
    instanceId,
    publicKeys: publicKeys ?? [],
    files: [],
    metadata: rest,
  };
  const name = localHostname ?? hostname;
  if (name !== undefined) Object.assign(data, splitHostname(name));
  const userData = await seed.get("user-data", LIMITS["user-data"]);
  if (userData) data.userData = userData;
  const vendorData = await seed.get("vendor-data", LIMITS["vendor-data"]);
  if (vendorData) data.vendorData = vendorData;
  if (network) data.network = network;
  return data;
}
