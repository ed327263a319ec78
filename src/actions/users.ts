import type { Change } from "../plan/change.ts";
import { accountsOf, type Account, type Accounts } from "./identity/accounts.ts";
import { refuse } from "./identity/fields.ts";
import { busyboxArgv, isBusybox, shadowArgv } from "./identity/tools.ts";
import type { BootInputs } from "./inputs.ts";
import type { Action, OsFacts } from "./types.ts";

export const SUDOERS_FILE = "/etc/sudoers.d/90-tether-users";
const SUDOERS = "/etc/sudoers";

/** Groups to make, in order: top-level `groups` first, then any a user names that nothing has yet. */
function groupsToCreate(facts: OsFacts, accounts: Accounts): string[] {
  const out: string[] = [];
  const want = (name: string) => {
    if (!facts.group.some((g) => g.name === name) && !out.includes(name)) out.push(name);
  };
  for (const g of accounts.groups) want(g.name);
  for (const u of accounts.users) {
    for (const g of u.spec.groups ?? []) want(g);
    if (u.spec.primary_group) want(u.spec.primary_group);
  }
  return out;
}

function isMember(facts: OsFacts, user: string, group: string): boolean {
  const entry = facts.group.find((g) => g.name === group);
  if (!entry) return false;
  return entry.members.includes(user) || facts.passwd.some((p) => p.name === user && p.gid === entry.gid);
}

function useradd(facts: OsFacts, u: Account, groups: string[]): string[] {
  const s = u.spec;
  const args: string[] = [];
  if (s.gecos !== undefined) args.push("-c", s.gecos);
  if (s.homedir !== undefined) args.push("-d", s.homedir);
  // A group already named like the user makes useradd refuse to create the user's own group: join it instead.
  const primary = s.primary_group ?? (facts.group.some((g) => g.name === s.name) ? s.name : undefined);
  if (primary !== undefined) args.push("-g", primary);
  if (groups.length) args.push("-G", groups.join(","));
  if (s.shell !== undefined) args.push("-s", s.shell);
  if (s.uid !== undefined) args.push("-u", String(s.uid));
  if (s.system) args.push("-r");
  // As cloud-init: system users and no_create_home get no home directory made.
  args.push(s.no_create_home || s.system ? "-M" : "-m");
  args.push(s.name);
  return shadowArgv(facts, "useradd", args);
}

function adduser(facts: OsFacts, u: Account): string[] {
  const s = u.spec;
  const args = ["adduser", "-D"];
  if (s.homedir !== undefined) args.push("-h", s.homedir);
  if (s.gecos !== undefined) args.push("-g", s.gecos);
  if (s.shell !== undefined) args.push("-s", s.shell);
  if (s.primary_group !== undefined) args.push("-G", s.primary_group);
  if (s.uid !== undefined) args.push("-u", String(s.uid));
  if (s.system) args.push("-S");
  if (s.no_create_home || s.system) args.push("-H");
  args.push(s.name);
  return busyboxArgv(facts, args);
}

/** Sudo rules are one line each in sudoers: a newline or a trailing backslash would carry into the next rule. */
function sudoRules(accounts: Accounts): string[] {
  const lines: string[] = [];
  for (const u of accounts.users) {
    const rules = u.spec.sudo ?? [];
    if (!rules.length) continue;
    rules.forEach((rule, i) => {
      if (/[\n\r\0]/.test(rule) || /\\\s*$/.test(rule) || rule.trim() === "") {
        refuse(u.source, `${u.path}.sudo${u.spec.sudo && u.spec.sudo.length > 1 ? `[${i}]` : ""}`, `expected one sudoers rule on one line (no newline, no trailing backslash), got ${JSON.stringify(rule)}`);
      }
    });
    lines.push("", `# User rules for ${u.spec.name}`, ...rules.map((r) => `${u.spec.name} ${r.trim()}`));
  }
  return lines;
}

function sudoChanges(facts: OsFacts, accounts: Accounts): Change[] {
  const rules = sudoRules(accounts);
  if (!rules.length) return [];
  const out: Change[] = [];
  const sudoers = facts.files[SUDOERS];
  if (sudoers === undefined) {
    // No sudo installed (yet: packages may bring it later in this boot); its package will use the rules.
    out.push({ kind: "mkdir", path: "/etc/sudoers.d", mode: 0o750, reason: "sudo rules for cloud-config users" });
  } else if (!/^[ \t]*[#@]includedir[ \t]+\/etc\/sudoers\.d[ \t]*$/m.test(sudoers)) {
    const text = sudoers.endsWith("\n") || sudoers === "" ? sudoers : `${sudoers}\n`;
    out.push({ kind: "write", path: SUDOERS, content: `${text}@includedir /etc/sudoers.d\n`, mode: 0o440, owner: { user: "root", group: "root" }, reason: "sudoers must read /etc/sudoers.d for the users' rules" });
  }
  const content = ["# Written by Tether from the instance's cloud-config (users[].sudo).", ...rules, ""].join("\n");
  out.push({ kind: "write", path: SUDOERS_FILE, content, mode: 0o440, owner: { user: "root", group: "root" }, reason: "sudo rules for cloud-config users" });
  return out;
}

/**
 * Top-level `groups` and `users` (cloud-init's cc_users_groups). New users are created; users that
 * exist are never recreated, only added to the groups they are not in yet. Passwords, locking and
 * SSH keys are the passwords and ssh-keys actions' part.
 */
export const usersAction: Action = {
  name: "users",
  frequency: "per-instance",
  reads: () => [SUDOERS],
  plan(inputs: BootInputs, facts: OsFacts): Change[] {
    const accounts = accountsOf(inputs, facts);
    const busybox = isBusybox(facts);
    const out: Change[] = [];

    for (const name of groupsToCreate(facts, accounts)) {
      const argv = busybox ? busyboxArgv(facts, ["addgroup", name]) : shadowArgv(facts, "groupadd", [name]);
      out.push({ kind: "run", argv, reason: `group ${name} from cloud-config` });
    }

    // Every group each user must end up in: its own list, and the top-level groups that name it.
    const wanted = new Map<string, string[]>();
    const want = (user: string, group: string) => {
      const list = wanted.get(user) ?? [];
      if (!list.includes(group)) list.push(group);
      wanted.set(user, list);
    };
    for (const u of accounts.users) for (const g of u.spec.groups ?? []) want(u.spec.name, g);
    accounts.groups.forEach((g, i) =>
      g.members.forEach((member, j) => {
        if (!accounts.knows(member)) refuse(accounts.groupsSource, `groups[${i}].${g.name}[${j}]`, `user ${JSON.stringify(member)} neither exists nor is created by users`);
        want(member, g.name);
      }),
    );

    for (const u of accounts.users) {
      if (u.existing) continue;
      const name = u.spec.name;
      const groups = (wanted.get(name) ?? []).filter((g) => g !== u.spec.primary_group);
      wanted.delete(name);
      if (busybox) {
        out.push({ kind: "run", argv: adduser(facts, u), reason: `user ${name} from cloud-config (${u.path})` });
        for (const g of groups) out.push({ kind: "run", argv: busyboxArgv(facts, ["addgroup", name, g]), reason: `user ${name} joins group ${g}` });
      } else {
        out.push({ kind: "run", argv: useradd(facts, u, groups), reason: `user ${name} from cloud-config (${u.path})` });
      }
    }

    // Existing users (and members named only in `groups`): added to what they miss, nothing else touched.
    for (const [name, groups] of wanted) {
      const missing = groups.filter((g) => !isMember(facts, name, g));
      if (!missing.length) continue;
      if (busybox) for (const g of missing) out.push({ kind: "run", argv: busyboxArgv(facts, ["addgroup", name, g]), reason: `existing user ${name} joins group ${g}` });
      else out.push({ kind: "run", argv: shadowArgv(facts, "usermod", ["-a", "-G", missing.join(","), name]), reason: `existing user ${name} joins ${missing.join(", ")}` });
    }

    out.push(...sudoChanges(facts, accounts));
    return out;
  },
};
