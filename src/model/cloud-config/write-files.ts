import * as v from "valibot";
import { expected, objectMessage } from "./describe.ts";
import { Permissions } from "./permissions.ts";
import { Bool, NonEmpty, Str } from "./scalars.ts";

/** cloud-init's spellings of each encoding, and the one name each has here. */
const ENCODINGS: Record<string, WriteFileEncoding> = {
  b64: "b64",
  base64: "b64",
  gz: "gzip",
  gzip: "gzip",
  "gz+b64": "gz+b64",
  "gz+base64": "gz+b64",
  "gzip+b64": "gz+b64",
  "gzip+base64": "gz+b64",
  "text/plain": "text",
  text: "text",
};

export type WriteFileEncoding = "b64" | "gzip" | "gz+b64" | "text";

export interface WriteFile {
  path: string;
  /** As given; decoded according to `encoding` by src/userdata/write-file-content.ts. */
  content: string;
  encoding: WriteFileEncoding;
  owner: string;
  /** Permission bits as given; absent, the write-files action decides (cloud-init's 0o644, 0o600 for a private key). */
  permissions?: number;
  append: boolean;
  /** Written late (after users and packages exist), as cloud-init's write_files_deferred. */
  defer: boolean;
}

const Encoding = v.pipe(
  Str,
  v.check((e) => Object.hasOwn(ENCODINGS, e.toLowerCase()), expected(`one of ${Object.keys(ENCODINGS).join(", ")}`)),
  v.transform((e) => ENCODINGS[e.toLowerCase()] as WriteFileEncoding),
);

/** base64 as cloud-init's b64decode takes it: white space ignored, padding optional. */
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** `user`, `user:group`, or numeric ids: no spaces, no path separators. */
const OWNER = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?(:[A-Za-z0-9._][A-Za-z0-9._-]*\$?)?$/;

const WriteFileSchema = v.pipe(
  v.object(
    {
      // A Windows image's cloud-config says C:\dir\file; each OS's write-files action maps or refuses it.
      path: v.pipe(NonEmpty, v.check((p) => /^(\/|\\|[A-Za-z]:[\\/])/.test(p), expected("an absolute path")), v.check((p) => !p.includes("\0"), "must not contain NUL")),
      // YAML may give a number or a boolean where text was meant; cloud-init writes str() of it, so do we.
      content: v.optional(v.pipe(v.union([v.string(), v.number(), v.null()], expected("a string")), v.transform((c) => (c === null ? "" : String(c)))), ""),
      encoding: v.optional(Encoding, "text"),
      owner: v.optional(v.pipe(Str, v.check((o) => OWNER.test(o), expected('"user" or "user:group"'))), "root:root"),
      permissions: v.optional(Permissions),
      append: v.optional(Bool, false),
      defer: v.optional(Bool, false),
    },
    objectMessage,
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { encoding, content } = dataset.value;
    if ((encoding === "b64" || encoding === "gz+b64") && !BASE64.test(content)) {
      const path = [{ type: "object", origin: "value", input: dataset.value, key: "content", value: content }] as unknown as [v.IssuePathItem];
      addIssue({ message: `expected base64 (encoding: ${encoding}), got characters outside it`, path });
    }
  }),
);

export const WriteFiles = v.array(WriteFileSchema, expected("a list of files"));
