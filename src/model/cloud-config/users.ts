import * as v from "valibot";
import type { Secret } from "../secret.ts";
import { isRecord, recordOf } from "../mapping.ts";
import { describe, expected, objectMessage } from "./describe.ts";
import { Bool, byKind, NameList, NonEmpty, Str, StrList } from "./scalars.ts";
import { SecretStr } from "./secrets.ts";

export interface User {
  name: string;
  gecos?: string;
  groups?: string[];
  shell?: string;
  /** sudoers rules; empty when none (cloud-init's null, or the deprecated false). */
  sudo?: string[];
  /** cloud-init's default is true: password login disabled. */
  lock_passwd?: boolean;
  /** A crypt hash, applied only when the user is created (cloud-init's `passwd`). */
  passwd?: Secret;
  /** A crypt hash, applied even to an existing user. */
  hashed_passwd?: Secret;
  plain_text_passwd?: Secret;
  ssh_authorized_keys?: string[];
  uid?: number;
  system?: boolean;
  homedir?: string;
  no_create_home?: boolean;
  primary_group?: string;
}

/** `default` in a users list stands for the distribution's default user, as in cloud-init. */
export type UserEntry = User | "default";

/** The deprecated mapping form of a user's groups: group names with null values. */
const GroupsMapping = v.pipe(
  recordOf(v.null(expected("nothing (the mapping form of groups lists names only)"))),
  v.transform((groups) => Object.keys(groups)),
);

const Sudo = v.pipe(
  byKind({ null: v.null(), boolean: v.literal(false), string: Str, list: v.array(v.union([Str, v.null()], expected("a sudoers rule"))) }, expected("a sudoers rule, a list of rules, or null")),
  v.transform((sudo): string[] => (sudo === null || sudo === false ? [] : typeof sudo === "string" ? [sudo] : sudo.filter((r): r is string => r !== null))),
);

const Uid = v.pipe(
  v.union([v.pipe(v.number(), v.integer(expected("a user id (a whole number)"))), v.pipe(v.string(), v.regex(/^\d+$/, expected("a user id (a whole number)")))], expected("a user id (a whole number)")),
  v.transform(Number),
  v.minValue(0, "expected a user id of 0 or more"),
);

const USER_ENTRIES = {
  name: NonEmpty,
  gecos: v.optional(Str),
  groups: v.optional(byKind({ string: NameList, list: NameList, mapping: GroupsMapping }, expected("a comma-separated string or a list of group names"))),
  shell: v.optional(NonEmpty),
  sudo: v.optional(Sudo),
  lock_passwd: v.optional(Bool),
  passwd: v.optional(SecretStr),
  hashed_passwd: v.optional(SecretStr),
  plain_text_passwd: v.optional(SecretStr),
  ssh_authorized_keys: v.optional(StrList),
  uid: v.optional(Uid),
  system: v.optional(Bool),
  homedir: v.optional(NonEmpty),
  no_create_home: v.optional(Bool),
  primary_group: v.optional(NonEmpty),
};

export const USER_KEYS = Object.keys(USER_ENTRIES);

/** cloud-init reads `lock-passwd` as `lock_passwd` (and so on for every user setting). */
export function underscored(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).map(([k, value]) => [k.replaceAll("-", "_").trim(), value]));
}

const settingsOf = <T>(schema: v.GenericSchema<Record<string, unknown>, T>) =>
  v.pipe(v.custom<Record<string, unknown>>(isRecord, objectMessage), v.transform(underscored), schema);

const UserObject = settingsOf(v.object(USER_ENTRIES, objectMessage) as v.GenericSchema<Record<string, unknown>, User>);
const UserSettings = settingsOf(v.object({ ...USER_ENTRIES, name: v.optional(NonEmpty) }, objectMessage) as v.GenericSchema<Record<string, unknown>, Partial<User>>);

const namesOf = (text: string) => text.split(",").map((n) => n.trim()).filter((n) => n !== "");
const entryOf = (name: string): UserEntry => (name === "default" ? "default" : { name });

/** A list entry: a user mapping, or names (a comma-separated string or a list of them). */
const UserItem = byKind(
  {
    string: v.pipe(Str, v.transform((s) => namesOf(s).map(entryOf))),
    list: v.pipe(StrList, v.transform((list) => list.flatMap(namesOf).map(entryOf))),
    mapping: v.pipe(UserObject, v.transform((u): UserEntry[] => [u.name === "default" ? "default" : u])),
  },
  expected("a user (a mapping with a name) or user names"),
);

/** The mapping form: name → settings, or name → true (false leaves the user out), as cloud-init reads it. */
const UsersMapping = v.pipe(
  recordOf(byKind({ boolean: v.boolean(), mapping: UserSettings }, expected("a mapping of user settings, or true"))),
  v.transform((users) =>
    Object.entries(users).flatMap(([name, spec]): UserEntry[][] =>
      spec === false ? [] : [[name === "default" ? "default" : spec === true ? { name } : { ...spec, name }]],
    ),
  ),
);

/** users: a comma-separated string, a list, or a mapping of name → settings. Always a flat list out. */
export const Users = v.pipe(
  byKind({ string: v.pipe(Str, v.transform((s) => [namesOf(s).map(entryOf)])), list: v.array(UserItem), mapping: UsersMapping }, expected("a list of users")),
  v.transform((items): UserEntry[] => items.flat()),
  v.check(noDuplicateUsers, (issue) => `user ${JSON.stringify(duplicateUser(issue.input as UserEntry[]))} is given twice`),
);

function duplicateUser(users: UserEntry[]): string | undefined {
  const names = users.map((u) => (u === "default" ? "default" : u.name));
  return names.find((n, i) => names.indexOf(n) !== i);
}

function noDuplicateUsers(users: UserEntry[]): boolean {
  return duplicateUser(users) === undefined;
}

export interface Group {
  name: string;
  members: string[];
}

const Members = v.pipe(
  byKind({ null: v.null(), string: Str, list: StrList }, expected("a user name or a list of user names")),
  v.transform((m): string[] => (m === null ? [] : typeof m === "string" ? namesOf(m) : m)),
);

const GroupMap = v.pipe(
  recordOf(Members),
  v.transform((groups): Group[] => Object.entries(groups).map(([name, members]) => ({ name, members }))),
);

/** groups: "a, b", a list of names and/or name → members mappings, or one such mapping. */
export const Groups = v.pipe(
  byKind(
    {
      string: v.pipe(Str, v.transform((s): Group[] => namesOf(s).map((name) => ({ name, members: [] })))),
      list: v.pipe(
        v.array(byKind({ string: v.pipe(Str, v.transform((name): Group[] => [{ name, members: [] }])), mapping: GroupMap }, expected("a group name or a mapping of group to members"))),
        v.transform((lists) => lists.flat()),
      ),
      mapping: GroupMap,
    },
    expected("a list of groups"),
  ),
);
