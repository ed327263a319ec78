import { cloudConfigOf } from "../../actions/cloud-config-of.ts";
import { refuse } from "../../actions/identity/fields.ts";
import type { BootInputs } from "../../actions/inputs.ts";
import type { Group, User } from "../../model/cloud-config/index.ts";
import { ADMINISTRATORS_SID, type WindowsFacts, type WindowsUser } from "./windows-facts.ts";

type Facts = Omit<WindowsFacts, "files">;

/** SAM's limits (LOCALGROUP_INFO_0, USER_INFO_0): a user name is the old 20-character logon name. */
export const USER_NAME_MAX = 20;
export const GROUP_NAME_MAX = 256;
const FORBIDDEN = /["/\\[\]:;|=,+*?<>@]/;
const CONTROL = /[\x00-\x1f\x7f]/;

const show = (value: string) => JSON.stringify(value);

/** What Windows refuses in an account name; checked here so that a bad name stops the boot before any account is made. */
function nameProblem(name: string, what: "user" | "group"): string | null {
  const max = what === "user" ? USER_NAME_MAX : GROUP_NAME_MAX;
  if (name.length === 0) return "must not be empty";
  if (name.length > max) return `a Windows ${what} name has at most ${max} characters, this one ${name.length}`;
  if (CONTROL.test(name)) return "must not contain control characters";
  if (FORBIDDEN.test(name)) return `a Windows ${what} name cannot contain any of " / \\ [ ] : ; | = , + * ? < > @`;
  if (/^[. ]+$/.test(name)) return `a Windows ${what} name cannot be only dots and spaces`;
  if (name.endsWith(".")) return `a Windows ${what} name cannot end with a dot`;
  return null;
}

export function checkWindowsName(name: string, source: string, path: string, what: "user" | "group"): string {
  const problem = nameProblem(name, what);
  if (problem) refuse(source, path, `${problem}, got ${show(name)}`);
  return name;
}

/** Windows compares account names without regard to case: "Bob" and "bob" are one account. */
export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The built-in Administrator is the local account whose RID is 500, whatever it is called now. */
export const isBuiltinAdmin = (user: WindowsUser) => /^S-1-5-21-.+-500$/.test(user.sid);

/**
 * How a script finds a user: by SID when it exists now (a rename or another spelling cannot
 * mislead it), by name when the users action creates it, and the built-in Administrator by its RID
 * when the facts did not see it.
 */
export type UserRef = { sid: string } | { name: string } | { builtin: true };

/** One user of the cloud-config, as it will be once the users action has run. */
export interface WindowsAccount {
  /** Where it was given ("users[2]"); "users" for the default user implied when `users` is absent. */
  path: string;
  source: string;
  spec: User;
  /** The account's name as Windows spells it when it exists, else as given. */
  name: string;
  /** The cloud-config's default user: on Windows, the built-in Administrator. */
  isDefault: boolean;
  /** The built-in Administrator (RID 500), which is never created. */
  builtin: boolean;
  /** The account as it is now; undefined when the users action creates it (or offline, where accounts are not read). */
  existing: WindowsUser | undefined;
  /** Will be in Administrators: OpenSSH then reads its keys from administrators_authorized_keys only. */
  admin: boolean;
  ref: UserRef;
}

export interface WindowsAccounts {
  users: WindowsAccount[];
  defaultUser: WindowsAccount | null;
  /** The built-in Administrator as the facts saw it; undefined offline. */
  builtin: WindowsUser | undefined;
  /** Its name now, or "Administrator" where the facts do not say (offline). */
  builtinName: string;
  /** The built-in Administrator as an account: the default user when it is listed, else as Windows has it. */
  administrator: WindowsAccount;
  /** Top-level `groups`, validated. */
  groups: Group[];
  groupsSource: string;
  find(name: string): WindowsAccount | undefined;
  existingUser(name: string): WindowsUser | undefined;
  /**
   * A user that exists now or that the users action creates. Offline the image's accounts are not
   * read, so every name is taken as known: the target's first boot checks again.
   */
  knows(name: string): boolean;
  /** "Administrators" in any case, or the group's local name ("Administrateurs"). */
  isAdminGroup(name: string): boolean;
  /** Settings that mean nothing on Windows, one line each, for the users action's notes. */
  notes: string[];
}

/** users[] settings with no Windows meaning: ignored, each with why, never refused (one cloud-config serves both). */
const LINUX_ONLY: Partial<Record<keyof User, string>> = {
  sudo: "admin rights on Windows come from the Administrators group",
  shell: "OpenSSH for Windows has one DefaultShell for every user",
  homedir: "Windows makes the profile directory itself",
  uid: "Windows gives each account its own SID",
  primary_group: "Windows accounts have no primary group",
  system: "Windows has no system accounts to create",
  no_create_home: "Windows makes the profile directory at the first logon",
  lock_passwd: "no password is locked; an account Tether creates has a random one nobody knows until one is set",
};

function checkUser(spec: User, source: string, path: string): void {
  checkWindowsName(spec.name, source, `${path}.name`, "user");
  if (spec.gecos !== undefined && CONTROL.test(spec.gecos)) refuse(source, `${path}.gecos`, `must not contain control characters (it is the account's full name), got ${show(spec.gecos)}`);
  spec.groups?.forEach((g, i) => checkWindowsName(g, source, `${path}.groups[${i}]`, "group"));
}

function linuxOnlyNotes(account: WindowsAccount): string[] {
  return Object.entries(LINUX_ONLY).flatMap(([key, why]) =>
    account.spec[key as keyof User] === undefined ? [] : [`users: ${account.path} (${account.name}): "${key}" ignored on Windows (${why})`],
  );
}

const refOf = (a: Pick<WindowsAccount, "existing" | "builtin" | "name">): UserRef => (a.existing ? { sid: a.existing.sid } : a.builtin ? { builtin: true } : { name: a.name });

/**
 * The users and groups the cloud-config asks for, checked, with what Windows already has. The
 * users, ssh-keys and passwords actions all plan from this one view, so they agree on who exists,
 * who is an administrator and which entries are refused.
 */
export function windowsAccountsOf(inputs: BootInputs, facts: Facts): WindowsAccounts {
  const { config, sourceOf } = cloudConfigOf(inputs);
  const source = sourceOf("users");
  const existingUser = (name: string) => facts.users.find((u) => sameName(u.name, name));
  const builtin = facts.users.find(isBuiltinAdmin);
  const builtinName = builtin?.name ?? "Administrator";
  const isAdminGroup = (name: string) => sameName(name, "Administrators") || sameName(name, facts.adminGroup);
  const users: WindowsAccount[] = [];

  const add = (spec: User, path: string, isDefault: boolean) => {
    checkUser(spec, source, path);
    if (isAdminGroup(spec.name)) refuse(source, `${path}.name`, `${show(spec.name)} is the Administrators group's name: Windows users and groups share one namespace`);
    const same = users.find((u) => sameName(u.spec.name, spec.name));
    if (same) {
      // A user named like the default user refines it, as cloud-init merges the two.
      if (!same.isDefault && !isDefault) refuse(source, `${path}.name`, `user ${show(spec.name)} is given twice (Windows names ignore case)`);
      same.spec = { ...same.spec, ...spec, name: same.name };
      // The named entry holds the settings: notes and refusals point at it.
      if (!isDefault) same.path = path;
      same.isDefault = true;
      same.builtin = true;
      same.ref = refOf(same);
      return;
    }
    const existing = isDefault ? builtin : existingUser(spec.name);
    const isBuiltin = isDefault || (existing !== undefined && isBuiltinAdmin(existing));
    const name = existing?.name ?? spec.name;
    users.push({ path, source, spec: { ...spec, name }, name, isDefault, builtin: isBuiltin, existing, admin: false, ref: refOf({ existing, builtin: isBuiltin, name }) });
  };

  const defaultSpec = (): User => ({ name: builtinName });
  if (config.users === undefined) add(defaultSpec(), "users", true);
  else config.users.forEach((entry, i) => (entry === "default" ? add(defaultSpec(), `users[${i}]`, true) : add(entry, `users[${i}]`, false)));

  const groupsSource = sourceOf("groups");
  const groups = config.groups ?? [];
  groups.forEach((g, i) => {
    checkWindowsName(g.name, groupsSource, `groups[${i}]`, "group");
    g.members.forEach((m, j) => checkWindowsName(m, groupsSource, `groups[${i}].${g.name}[${j}]`, "user"));
  });

  const find = (name: string) => users.find((u) => sameName(u.name, name));
  const isUserName = (name: string) => find(name) !== undefined || existingUser(name) !== undefined;
  // New-LocalGroup refuses a user's name: say so now, before any account is made.
  const clash = (name: string, at: string, from: string) => {
    if (!isAdminGroup(name) && isUserName(name)) refuse(from, at, `${show(name)} is a user's name: Windows users and groups share one namespace, so no group can be called so`);
  };
  groups.forEach((g, i) => clash(g.name, `groups[${i}]`, groupsSource));
  for (const u of users) u.spec.groups?.forEach((g, j) => clash(g, `${u.path}.groups[${j}]`, u.source));

  for (const u of users) {
    const joinsAdmins = (u.spec.groups ?? []).some(isAdminGroup) || groups.some((g) => isAdminGroup(g.name) && g.members.some((m) => sameName(m, u.name)));
    u.admin = u.builtin || u.existing?.admin === true || joinsAdmins;
  }

  const defaultUser = users.find((u) => u.isDefault) ?? null;
  const administrator = defaultUser ?? users.find((u) => u.builtin) ?? {
    path: "users",
    source,
    spec: { name: builtinName },
    name: builtinName,
    isDefault: false,
    builtin: true,
    existing: builtin,
    admin: true,
    ref: refOf({ existing: builtin, builtin: true, name: builtinName }),
  };
  return {
    users,
    defaultUser,
    builtin,
    builtinName,
    administrator,
    groups,
    groupsSource,
    find,
    existingUser,
    knows: (name) => facts.offline || isUserName(name),
    isAdminGroup,
    notes: users.flatMap(linuxOnlyNotes),
  };
}

/** The Administrators group for a script: by SID, so that a localized or renamed group is found. */
export const ADMINISTRATORS = { sid: ADMINISTRATORS_SID } as const;
