import * as v from "valibot";
import { HostnameSchema } from "../../model/hostname.ts";
import { recordOf } from "../../model/mapping.ts";

/** An instance id names a state directory: no slashes, no white space. */
export const InstanceIdSchema = v.pipe(
  v.string("expected a string"),
  v.minLength(1, "must not be empty"),
  v.regex(/^[^\s/\\]+$/, "must not contain white space or slashes (it names a state directory)"),
);

/** A path the cloud wants written: absolute, no `..`, no NUL. Where it may go is the action's call. */
const TargetPath = v.pipe(
  v.string(),
  v.regex(/^\//, "expected an absolute path"),
  v.check((p) => !p.split("/").includes("..") && !p.includes("\0"), "must not contain .. or NUL"),
);

/** Where an injected file's content is, under openstack/: "/content/0000". */
const ContentPath = v.pipe(v.string(), v.regex(/^\/?content\/[A-Za-z0-9_.-]+$/, "expected /content/NAME"));

/** meta_data.json (nova/api/metadata/base.py); unknown keys are kept for the metadata record. */
export const OpenstackMetaDataSchema = v.looseObject(
  {
    uuid: InstanceIdSchema,
    hostname: v.optional(HostnameSchema),
    name: v.optional(v.string()),
    public_keys: v.optional(recordOf(v.string())),
    keys: v.optional(v.array(v.looseObject({ name: v.optional(v.string()), type: v.optional(v.string()), data: v.string() }))),
    // valibot's own message would quote the value ("received 12345678"): a password.
    admin_pass: v.optional(v.string("expected a string (not shown: a password)")),
    files: v.optional(v.array(v.object({ path: TargetPath, content_path: ContentPath }))),
    meta: v.optional(recordOf(v.unknown())),
    random_seed: v.optional(v.string()),
  },
  "required",
);

/** network_data.json: the three lists, checked here for shape only (issue #6 reads them). */
export const NetworkDataSchema = v.looseObject({
  links: v.optional(v.array(v.looseObject({}, "expected an object")), []),
  networks: v.optional(v.array(v.looseObject({}, "expected an object")), []),
  services: v.optional(v.array(v.looseObject({}, "expected an object")), []),
});
