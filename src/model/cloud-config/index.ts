import * as v from "valibot";
import { InputError } from "../../errors.ts";
import { isRecord } from "../mapping.ts";
import { describe, problemsOf } from "./describe.ts";
import { unknownKeyWarnings } from "./known-keys.ts";
import { looksLikeUnquotedOctal } from "./permissions.ts";
import { CloudConfigSchema, type CloudConfig } from "./schema.ts";
import { looksHashed } from "./secrets.ts";

export { CloudConfigSchema, CLOUD_CONFIG_ENTRIES, type CloudConfig } from "./schema.ts";
export type { User, UserEntry, Group } from "./users.ts";
export type { ChpasswdUser, ChpasswdConfig } from "./passwords.ts";
export type { WriteFile, WriteFileEncoding } from "./write-files.ts";
export type { NtpConfig, Package, PowerState } from "./system.ts";
export type { Command } from "./commands.ts";
export { pathOf, problemsOf } from "./describe.ts";

export interface ParsedCloudConfig {
  config: CloudConfig;
  /** What is accepted but probably not meant, and every key that is ignored. */
  warnings: string[];
}

/** Accepted, as cloud-init accepts them, but almost certainly not what the author meant. */
function doubtfulValues(raw: Record<string, unknown>, config: CloudConfig): string[] {
  const out: string[] = [];
  if (Array.isArray(raw.write_files)) {
    raw.write_files.forEach((file, i) => {
      const mode = isRecord(file) ? file.permissions : undefined;
      if (looksLikeUnquotedOctal(mode)) {
        out.push(`write_files[${i}].permissions: ${mode} is a decimal number (mode 0o${mode.toString(8)}); write "0${mode}" in quotes if octal was meant`);
      }
    });
  }
  config.chpasswd?.users.forEach((user, i) => {
    if (user.type === "hash" && user.password && !looksHashed(user.password.reveal())) {
      out.push(`chpasswd.users[${i}].password: taken as a crypt hash (type defaults to hash) but does not look like one; add type: text if it is a clear-text password`);
    }
  });
  config.users?.forEach((user, i) => {
    if (user === "default") return;
    for (const key of ["passwd", "hashed_passwd"] as const) {
      const secret = user[key];
      if (secret && !looksHashed(secret.reveal())) out.push(`users[${i}].${key}: expected a crypt hash (mkpasswd), got something else; use plain_text_passwd for a clear-text password`);
    }
  });
  return out;
}

/**
 * Validates a merged cloud-config (src/userdata gives it) against the supported keys. Problems name
 * their field as `write_files[0].permissions`; passwords come out as Secret objects.
 */
export function parseCloudConfig(value: unknown, source: string): ParsedCloudConfig {
  const raw = value === null || value === undefined ? {} : value;
  if (!isRecord(raw)) throw new InputError(source, [{ path: "", message: `expected a mapping of cloud-config keys, got ${describe(raw)}` }]);
  const result = v.safeParse(CloudConfigSchema, raw, { abortEarly: false, abortPipeEarly: true });
  if (!result.success) throw new InputError(source, problemsOf(result.issues));
  return { config: result.output, warnings: [...unknownKeyWarnings(raw), ...doubtfulValues(raw, result.output)] };
}
