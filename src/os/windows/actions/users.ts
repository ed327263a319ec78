import { refuse } from "../../../actions/identity/fields.ts";
import type { BootInputs } from "../../../actions/inputs.ts";
import type { Action } from "../../../actions/types.ts";
import { ADMINISTRATORS, sameName, windowsAccountsOf, type UserRef, type WindowsAccount, type WindowsAccounts } from "../accounts.ts";
import { powershellStep } from "../powershell.ts";
import { CREATE_USERS } from "../scripts/create-users.ts";
import type { WindowsFacts } from "../windows-facts.ts";

type Facts = Omit<WindowsFacts, "files">;

/**
 * A new account's first password: random, and known to nobody (the passwords action sets a chosen
 * one). It must pass the default complexity policy, or New-LocalUser refuses it: three classes of
 * four at least (here all four), and not the account's name or a 3+ character part of its full name.
 */
const CLASSES = ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789", "!#%*+-.=?@^_~"];
const ALPHABET = CLASSES.join("");
const PASSWORD_LENGTH = 24;

/** An unbiased pick from ALPHABET (bytes at or above its largest multiple are skipped), drawn again until the policy holds. */
export function randomPassword(random: (n: number) => Uint8Array, avoid: readonly string[]): string {
  const limit = 256 - (256 % ALPHABET.length);
  for (;;) {
    let out = "";
    while (out.length < PASSWORD_LENGTH) {
      for (const byte of random(PASSWORD_LENGTH * 2)) if (byte < limit && out.length < PASSWORD_LENGTH) out += ALPHABET[byte % ALPHABET.length];
    }
    const lower = out.toLowerCase();
    if (CLASSES.every((c) => [...out].some((ch) => c.includes(ch))) && !avoid.some((a) => lower.includes(a))) return out;
  }
}

/** What Windows's complexity check looks for in a password: the name, and the full name's parts (split as Windows splits them). */
function namePartsOf(u: WindowsAccount): string[] {
  return [u.name, ...(u.spec.gecos ?? "").split(/[,.\-_ #\t]+/)].filter((p) => p.length >= 3).map((p) => p.toLowerCase());
}

type GroupRef = { sid: string } | { name: string };

interface Membership {
  user: UserRef;
  group: GroupRef;
  /** For the plan's reason. */
  userName: string;
  groupName: string;
}

interface Work {
  created: WindowsAccount[];
  groups: string[];
  members: Membership[];
}

/** Groups named anywhere, Administrators aside (it exists, under its SID); the script makes those missing. */
function groupsNamed(accounts: WindowsAccounts): string[] {
  const out: string[] = [];
  const want = (name: string) => {
    if (!accounts.isAdminGroup(name) && !out.some((g) => sameName(g, name))) out.push(name);
  };
  for (const g of accounts.groups) want(g.name);
  for (const u of accounts.users) for (const g of u.spec.groups ?? []) want(g);
  return out;
}

function membershipsOf(accounts: WindowsAccounts, facts: Facts): Membership[] {
  const out: Membership[] = [];
  const join = (user: UserRef, userName: string, alreadyAdmin: boolean, group: string) => {
    const admins = accounts.isAdminGroup(group);
    // Only Administrators' members are in the facts; other memberships the script finds already there.
    if (admins && alreadyAdmin) return;
    const groupName = admins ? facts.adminGroup : group;
    if (out.some((m) => sameName(m.userName, userName) && sameName(m.groupName, groupName))) return;
    out.push({ user, group: admins ? ADMINISTRATORS : { name: group }, userName, groupName });
  };
  for (const u of accounts.users) for (const g of u.spec.groups ?? []) join(u.ref, u.name, u.existing?.admin === true, g);
  accounts.groups.forEach((g, i) =>
    g.members.forEach((member, j) => {
      if (!accounts.knows(member)) refuse(accounts.groupsSource, `groups[${i}].${g.name}[${j}]`, `user ${JSON.stringify(member)} neither exists nor is created by users`);
      const account = accounts.find(member);
      if (account) return join(account.ref, account.name, account.existing?.admin === true, g.name);
      const existing = accounts.existingUser(member);
      join(existing ? { sid: existing.sid } : { name: member }, existing?.name ?? member, existing?.admin === true, g.name);
    }),
  );
  return out;
}

function workOf(inputs: BootInputs, facts: Facts): Work & { accounts: WindowsAccounts } {
  const accounts = windowsAccountsOf(inputs, facts);
  return { accounts, created: accounts.users.filter((u) => !u.existing && !u.builtin), groups: groupsNamed(accounts), members: membershipsOf(accounts, facts) };
}

/** The plan's reason, the only view of a run whose input is secret: names and paths, never a password. */
function describeWork({ created, groups, members }: Work): string {
  const parts: string[] = [];
  if (created.length) parts.push(`user${created.length > 1 ? "s" : ""} ${created.map((u) => `${u.name} (${u.path})`).join(", ")} from cloud-config`);
  if (groups.length) parts.push(`group${groups.length > 1 ? "s" : ""} ${groups.join(", ")} where missing`);
  const byUser = new Map<string, string[]>();
  for (const m of members) byUser.set(m.userName, [...(byUser.get(m.userName) ?? []), m.groupName]);
  for (const [user, gs] of byUser) parts.push(`${user} joins ${gs.join(", ")}`);
  return parts.join("; ");
}

/**
 * Top-level `groups` and `users` on Windows (cloudbase-init's and cloud-init's cc_users_groups):
 * missing users and groups are created and users joined to their groups, in one PowerShell run.
 * Users that exist are never recreated, only joined to what they miss. Passwords and SSH keys are
 * the passwords and ssh-keys actions' part. Accounts live in the running system's SAM, so under
 * --root nothing is done: the image's first boot does it all.
 */
export const windowsUsersAction: Action<WindowsFacts> = {
  name: "users",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const work = workOf(inputs, facts);
    const { created, groups, members } = work;
    if (facts.offline || (!created.length && !groups.length && !members.length)) return [];
    const data = {
      users: created.map((u) => ({ name: u.name, ...(u.spec.gecos !== undefined ? { fullName: u.spec.gecos } : {}), password: randomPassword(facts.random, namePartsOf(u)) })),
      groups,
      members: members.map(({ user, group }) => ({ user, group })),
    };
    return [powershellStep(CREATE_USERS, data, { reason: describeWork(work), secret: true })];
  },
  notes(inputs, facts) {
    const work = workOf(inputs, facts);
    const notes = [...work.accounts.notes];
    if (facts.offline && (work.created.length || work.groups.length || work.members.length)) {
      notes.push(`users: kept for the target's first boot, since accounts live in the running Windows (--root): ${describeWork(work)}`);
    }
    return notes;
  },
};
