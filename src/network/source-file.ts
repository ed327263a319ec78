import { InputError } from "../errors.ts";
import type { SourceNetworkConfig } from "../model/instance-data.ts";
import { isRecord } from "../model/mapping.ts";
import { parseYaml } from "../parse/yaml.ts";
import { parseJson } from "../parse/json.ts";

/** The kinds `agent render-network -k` reads: net-convert's names, plus the formats it lacks. */
export const KINDS = ["network_data.json", "v1", "v2", "yaml", "xen", "ec2"] as const;
export type Kind = (typeof KINDS)[number];

/** The file as the source the kind names; undefined when a YAML config says `config: disabled`. */
export function sourceOf(kind: Kind, text: string, path: string): SourceNetworkConfig | undefined {
  if (kind === "network_data.json" || kind === "xen" || kind === "ec2") {
    const doc = parseJson(text, path);
    if (!isRecord(doc)) throw new InputError(path, [{ path: "", message: "expected a JSON object" }]);
    const format = kind === "network_data.json" ? "openstack" : kind;
    // An EC2 tree may be given as the macs mapping itself.
    const config = kind === "ec2" && !isRecord(doc.macs) ? { macs: doc } : doc;
    return { format, source: path, config };
  }
  const parsed = parseYaml(text, path);
  const body = isRecord(parsed) && isRecord(parsed.network) ? parsed.network : parsed;
  const at = body === parsed ? "" : "network.";
  if (!isRecord(body)) throw new InputError(path, [{ path: "", message: "expected a mapping with `version: 1` or `version: 2`" }]);
  if (body.config === "disabled") return undefined;
  const version = body.version;
  if (version !== 1 && version !== 2) throw new InputError(path, [{ path: `${at}version`, message: `expected 1 or 2, got ${JSON.stringify(version ?? null)}` }]);
  if (kind !== "yaml" && kind !== `v${version}`) throw new InputError(path, [{ path: `${at}version`, message: `-k ${kind} but the file says version ${version}` }]);
  return { format: `v${version}`, source: path, config: body };
}
