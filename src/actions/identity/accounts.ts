import type { Group, User } from "../../model/cloud-config/index.ts";
import type { PasswdEntry } from "../../os/linux/passwd.ts";
import type { BootInputs } from "../inputs.ts";
import type { OsFacts } from "../types.ts";
import { cloudConfigOf } from "../cloud-config-of.ts";
import { defaultUserOf } from "./default-user.ts";
import { checkField, checkName, checkPath, refuse } from "./fields.ts";

type Facts = Omit<OsFacts, "files">;

/** One user of the cloud-config, as it will be once the users action has run. */
export interface Account {
  /** Where it was given ("users[2]"); "users" for the default user cloud-init implies when `users` is absent. */
  path: string;
  source: string;
  spec: User;
  isDefault: boolean;
  /** The account as it is now; undefined when the users action creates it. */
  existing: PasswdEntry | undefined;
  home: string;
  /** Owner group of the user's files: the primary group's name (its id as text when it has no name). */
  group: string;
}

export interface Accounts {
  users: Account[];
  defaultUser: Account | null;
  /** Top-level `groups`, validated. */
  groups: Group[];
  groupsSource: string;
  find(name: string): Account | undefined;
  /** A user that exists now or that the users action creates. */
  knows(name: string): boolean;
  passwdEntry(name: string): PasswdEntry | undefined;
}

const UID_MAX = 4_294_967_294;

function checkUser(spec: User, source: string, path: string): void {
  checkName(spec.name, source, `${path}.name`, "user");
  if (spec.gecos !== undefined) checkField(spec.gecos, source, `${path}.gecos`);
  if (spec.shell !== undefined) checkPath(spec.shell, source, `${path}.shell`);
  if (spec.homedir !== undefined) checkPath(spec.homedir, source, `${path}.homedir`);
  if (spec.primary_group !== undefined) checkName(spec.primary_group, source, `${path}.primary_group`, "group");
  spec.groups?.forEach((g, i) => checkName(g, source, `${path}.groups[${i}]`, "group"));
  if (spec.uid !== undefined && spec.uid > UID_MAX) refuse(source, `${path}.uid`, `expected a user id of at most ${UID_MAX}, got ${spec.uid}`);
}

/** The group that will own a user's files: useradd makes a group named after the user unless told otherwise. */
function groupOf(facts: Facts, spec: User, existing: PasswdEntry | undefined): string {
  if (existing) return facts.group.find((g) => g.gid === existing.gid)?.name ?? String(existing.gid);
  return spec.primary_group ?? spec.name;
}

/**
 * The users and groups the cloud-config asks for, checked, with what the machine already has. The
 * users, ssh-keys and passwords actions all plan from this one view, so they agree on who exists,
 * where each home is and which entries are refused.
 */
export function accountsOf(inputs: BootInputs, facts: Facts): Accounts {
  const { config, sourceOf } = cloudConfigOf(inputs);
  const source = sourceOf("users");
  const passwdEntry = (name: string) => facts.passwd.find((p) => p.name === name);
  const users: Account[] = [];
  const add = (spec: User, path: string, isDefault: boolean, from: string) => {
    checkUser(spec, from, path);
    const same = users.find((u) => u.spec.name === spec.name);
    if (same) {
      // A user named like the default user refines it: cloud-init merges the two the same way.
      same.spec = { ...same.spec, ...spec };
      same.path = path;
      same.isDefault ||= isDefault;
      checkUser(same.spec, from, path);
      return;
    }
    const existing = passwdEntry(spec.name);
    const home = existing?.home ?? spec.homedir ?? `/home/${spec.name}`;
    users.push({ path, source: from, spec, isDefault, existing, home, group: groupOf(facts, spec, existing) });
  };

  if (config.users === undefined) {
    // cloud-init's stock cloud.cfg says `users: [default]`; a distribution without a default user gets none.
    const spec = defaultUserOf(facts.distro);
    if (spec) add(spec, "users", true, source);
  } else {
    config.users.forEach((entry, i) => {
      if (entry !== "default") return add(entry, `users[${i}]`, false, source);
      const spec = defaultUserOf(facts.distro);
      if (!spec) {
        const which = facts.distro.id ? `"${facts.distro.id}"` : "this distribution";
        refuse(source, `users[${i}]`, `"default" is the distribution's own default user, and ${which} has none known to Tether; name the user instead`);
      }
      add(spec, `users[${i}]`, true, source);
    });
  }
  for (const u of users) {
    if (u.existing) continue;
    u.home = u.spec.homedir ?? `/home/${u.spec.name}`;
    u.group = groupOf(facts, u.spec, undefined);
  }

  const groupsSource = sourceOf("groups");
  const groups = config.groups ?? [];
  groups.forEach((g, i) => {
    checkName(g.name, groupsSource, `groups[${i}]`, "group");
    g.members.forEach((m, j) => checkName(m, groupsSource, `groups[${i}].${g.name}[${j}]`, "user"));
  });

  const find = (name: string) => users.find((u) => u.spec.name === name);
  return {
    users,
    defaultUser: users.find((u) => u.isDefault) ?? null,
    groups,
    groupsSource,
    find,
    knows: (name) => find(name) !== undefined || passwdEntry(name) !== undefined,
    passwdEntry,
  };
}
