import * as v from "valibot";
import type { Secret } from "../secret.ts";
import { describe, expected, sealedExpected, sealedObjectMessage } from "./describe.ts";
import { Bool, NonEmpty } from "./scalars.ts";
import { SecretStr } from "./secrets.ts";

/**
 * ssh_pwauth: true/false, or (deprecated in cloud-init) a string. "unchanged" leaves sshd alone; the
 * words cloud-init reads as true or false count as those; any other string is refused, where
 * cloud-init would log and leave sshd unchanged.
 */
const TRUE_WORDS = ["true", "1", "on", "yes"];
const FALSE_WORDS = ["false", "0", "off", "no"];
export const SshPwauth = v.pipe(
  v.union([v.boolean(), v.string()], expected("true, false or \"unchanged\"")),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const value = dataset.value;
    if (typeof value === "boolean") return value;
    const word = value.trim().toLowerCase();
    if (word === "unchanged") return "unchanged" as const;
    if (TRUE_WORDS.includes(word)) return true;
    if (FALSE_WORDS.includes(word)) return false;
    addIssue({ message: `expected true, false or "unchanged", got ${describe(value)}` });
    return NEVER;
  }),
);

export interface ChpasswdUser {
  name: string;
  /** hash: a crypt hash to set; text: a clear-text password; RANDOM: generate one (printed to the console by cloud-init). */
  type: "hash" | "text" | "RANDOM";
  /** Absent for RANDOM. */
  password?: Secret;
}

const ChpasswdUserSchema = v.pipe(
  v.object(
    {
      name: NonEmpty,
      type: v.optional(v.picklist(["hash", "text", "RANDOM"], expected('"hash", "text" or "RANDOM"')), "hash"),
      password: v.optional(SecretStr),
    },
    // An entry written as "alice:pw" (the old chpasswd.list form) is the password itself.
    sealedObjectMessage,
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { type, password } = dataset.value;
    const at = [{ type: "object", origin: "value", input: dataset.value, key: type === "RANDOM" ? "type" : "password", value: undefined }] as unknown as [v.IssuePathItem];
    if (type === "RANDOM" && password !== undefined) addIssue({ message: "a RANDOM password takes no password", path: at });
    if (type !== "RANDOM" && password === undefined) addIssue({ message: "required (or type: RANDOM)", path: at });
  }),
);

/** chpasswd: passwords for existing users; `expire` (default true) makes them change it at first login. */
export const Chpasswd = v.object(
  {
    expire: v.optional(Bool, true),
    users: v.optional(v.array(ChpasswdUserSchema, sealedExpected("a list of users with passwords")), []),
  },
  sealedObjectMessage,
);

export interface ChpasswdConfig {
  expire: boolean;
  users: ChpasswdUser[];
}
