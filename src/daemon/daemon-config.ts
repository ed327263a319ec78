import * as v from "valibot";
import { InputError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import { parseYaml } from "../parse/yaml.ts";
import type { QgaPolicy } from "../transports/virtio/qga-policy.ts";

/** The daemon's settings file, inside --root: what a host may ask of this guest. */
export const DAEMON_CONFIG = "/etc/tether/daemon.yaml";

const Names = v.union([v.array(v.string()), v.pipe(v.string(), v.transform((s) => s.split(",").map((n) => n.trim()).filter(Boolean)))]);

const ConfigSchema = v.strictObject({
  qga: v.optional(
    v.strictObject({
      "allow-rpcs": v.optional(Names),
      "block-rpcs": v.optional(Names),
      /** guest-exec and guest-exec-status. */
      exec: v.optional(v.boolean()),
      /** guest-file-open/read/write/seek/flush/close. */
      "file-access": v.optional(v.boolean()),
    }),
  ),
});

export type DaemonConfig = v.InferOutput<typeof ConfigSchema>;

/** The file if it is there (absent: every command enabled, as qemu-ga without a config); bad content stops the daemon, naming the field. */
export async function readDaemonConfig(host: Host, path = DAEMON_CONFIG): Promise<DaemonConfig> {
  if (!(await host.fs.exists(path))) return {};
  const doc = parseYaml(await host.fs.readText(path), path) ?? {};
  const parsed = v.safeParse(ConfigSchema, doc);
  if (parsed.success) return parsed.output;
  throw new InputError(
    path,
    parsed.issues.map((i) => ({ path: (i.path ?? []).map((p) => String((p as { key: unknown }).key)).join("."), message: i.message })),
  );
}

/** The command line's lists win over the file's allow-list; block-lists add up. */
export function policyOf(config: DaemonConfig, flags: { allow?: string[]; block?: string[] }): QgaPolicy {
  const allow = flags.allow ?? config.qga?.["allow-rpcs"];
  return {
    ...(allow ? { allow } : {}),
    block: [...(config.qga?.["block-rpcs"] ?? []), ...(flags.block ?? [])],
    exec: config.qga?.exec ?? true,
    fileAccess: config.qga?.["file-access"] ?? true,
  };
}
