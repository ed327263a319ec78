/**
 * The network fixtures and their goldens: every input under test/fixtures/network/input through
 * every renderer. scripts/update-network-goldens.ts writes what this computes; the golden test
 * compares. One golden per fixture × renderer, each file of the output under a `==> PATH <==` line.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { NetworkConfig, Nic } from "../../src/model/network.ts";
import { toNetworkConfig } from "../../src/network/convert/index.ts";
import { parseNicFlag } from "../../src/network/host-nics.ts";
import { sourceOf, type Kind } from "../../src/network/source-file.ts";
import { RENDERER_NAMES, RENDERERS, type Rendered } from "../../src/os/linux/network/index.ts";
import { REPO } from "./run-agent.ts";

export const FIXTURES = join(REPO, "test/fixtures/network");
export const INPUTS = join(FIXTURES, "input");
export const GOLDENS = join(FIXTURES, "golden");

export const fixtureNics = (): Nic[] =>
  readFileSync(join(FIXTURES, "nics.txt"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => parseNicFlag(l) as Nic);

export function kindOf(file: string): Kind {
  if (file.endsWith(".network_data.json")) return "network_data.json";
  if (file.startsWith("xen")) return "xen";
  if (file.startsWith("ec2")) return "ec2";
  return "yaml";
}

export const inputs = () => readdirSync(INPUTS).sort();

export function convertFixture(file: string): NetworkConfig {
  const path = join(INPUTS, file);
  const source = sourceOf(kindOf(file), readFileSync(path, "utf8"), `input/${file}`);
  if (!source) throw new Error(`${file}: disabled`);
  return toNetworkConfig(source, fixtureNics());
}

export function formatRendered(files: Rendered): string {
  return Object.keys(files)
    .sort()
    .map((p) => `==> ${p} <==\n${files[p]}`)
    .join("\n");
}

/** name → content of every golden file for one input. */
export function goldensOf(file: string): Record<string, string> {
  const config = convertFixture(file);
  const out: Record<string, string> = { [`${file}.model.json`]: `${JSON.stringify(config, null, 2)}\n` };
  for (const r of RENDERER_NAMES) out[`${file}.${r}.txt`] = formatRendered(RENDERERS[r](config));
  return out;
}
