import * as v from "valibot";
import { HostnameSchema } from "../../model/hostname.ts";
import { recordOf } from "../../model/mapping.ts";

const InstanceId = v.pipe(
  v.union([v.string(), v.number()], "expected a string"),
  v.transform(String),
  v.minLength(1, "must not be empty"),
  v.regex(/^[^\s/\\]+$/, "must not contain white space or slashes (it names a state directory)"),
);

/** cloud-init accepts keys as one string (one per line), a list, or a map of name → key(s). */
const PublicKeys = v.pipe(
  v.union(
    [v.string(), v.array(v.string()), recordOf(v.union([v.string(), v.array(v.string())]))],
    "expected a string, a list of strings, or a map of name to key",
  ),
  v.transform((keys): string[] => {
    const list = typeof keys === "string" ? keys.split("\n") : Array.isArray(keys) ? keys : Object.values(keys).flat();
    return list.map((k) => k.trim()).filter((k) => k !== "" && !k.startsWith("#"));
  }),
);

/**
 * NoCloud `meta-data`: YAML, `instance-id` required (cloud-init's DataSourceNoCloud). The object's
 * message is what a missing required key reports; the caller has already checked it is a mapping.
 */
export const NocloudMetaDataSchema = v.looseObject(
  {
    "instance-id": InstanceId,
    "local-hostname": v.optional(HostnameSchema),
    hostname: v.optional(HostnameSchema),
    "public-keys": v.optional(PublicKeys),
  },
  "required",
);
