import { isRecord } from "../mapping.ts";
import { CLOUD_CONFIG_ENTRIES } from "./schema.ts";
import { USER_KEYS, underscored } from "./users.ts";

/**
 * The keys each mapping of a cloud-config may hold. Anything else is ignored (as cloud-init does at
 * run time) and named in a warning: a typo such as `permisions` must never pass unnoticed.
 */
const KNOWN: Record<string, readonly string[]> = {
  "": Object.keys(CLOUD_CONFIG_ENTRIES),
  user: USER_KEYS,
  chpasswd: ["expire", "users"],
  "chpasswd.user": ["name", "type", "password"],
  write_file: ["path", "content", "encoding", "owner", "permissions", "append", "defer"],
  ntp: ["servers", "pools"],
  ca_certs: ["trusted"],
  growpart: ["mode", "devices", "ignore_growroot_disabled"],
  power_state: ["mode", "delay", "message", "timeout", "condition"],
};

/** Known elsewhere in cloud-init: a hint that the key is right but Tether does not apply it. */
const HINTS: Record<string, string> = {
  "chpasswd.list": "deprecated by cloud-init; use chpasswd.users",
  "ca-certs": "use ca_certs",
};

function extras(value: unknown, kind: string, path: string, out: string[]): void {
  if (!isRecord(value)) return;
  const known = KNOWN[kind] ?? [];
  const keys = kind === "user" ? Object.keys(underscored(value)) : Object.keys(value);
  for (const key of keys) {
    if (known.includes(key)) continue;
    const at = path === "" ? key : `${path}.${key}`;
    const hint = HINTS[at];
    out.push(`${at}: ${path === "" ? "not a supported cloud-config key" : "not a supported setting"}, ignored${hint ? ` (${hint})` : ""}`);
  }
}

function each(list: unknown, kind: string, path: string, out: string[]): void {
  if (Array.isArray(list)) list.forEach((item, i) => extras(item, kind, `${path}[${i}]`, out));
}

/** Warnings naming every key that is not applied, at its path (`write_files[0].permisions`). */
export function unknownKeyWarnings(config: Record<string, unknown>): string[] {
  const out: string[] = [];
  extras(config, "", "", out);
  if (Array.isArray(config.users)) each(config.users, "user", "users", out);
  else if (isRecord(config.users)) for (const [name, spec] of Object.entries(config.users)) extras(spec, "user", `users.${name}`, out);
  extras(config.chpasswd, "chpasswd", "chpasswd", out);
  if (isRecord(config.chpasswd)) each(config.chpasswd.users, "chpasswd.user", "chpasswd.users", out);
  each(config.write_files, "write_file", "write_files", out);
  for (const kind of ["ntp", "ca_certs", "growpart", "power_state"]) extras(config[kind], kind, kind, out);
  return out;
}
