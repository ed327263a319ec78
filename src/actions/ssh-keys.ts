import type { Change } from "../plan/change.ts";
import { KEY_MAX_CHARS } from "./authorized-keys-edit.ts";
import { accountsOf, type Accounts } from "./identity/accounts.ts";
import { formatKeyLine, mergeAuthorizedKeys, parseKeyLine, type KeyLine } from "./identity/authorized-keys.ts";
import { latin1Bytes, utf8AsLatin1 } from "./identity/bytes.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import { refuse } from "./identity/fields.ts";
import type { BootInputs } from "./inputs.ts";
import type { Action, OsFacts } from "./types.ts";

type Facts = Omit<OsFacts, "files">;

/**
 * What root's keys get when root logins are disabled: the login works, prints who to log in as and
 * ends (exit 142). The same text as cloud-init's (ssh_util.DISABLE_USER_OPTS), so people who know it
 * recognise it.
 */
export function disableRootOptions(user: string): string {
  return `no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo 'Please login as the user \\"${user}\\" rather than the user \\"root\\".';echo;sleep 10;exit 142"`;
}

interface Target {
  user: string;
  group: string;
  home: string;
  lines: { key: KeyLine; text: string }[];
}

/** A key from instance data: exactly one authorized_keys line, or the boot stops naming the field. */
export function keyOf(text: string, source: string, path: string): KeyLine {
  // The limit QGA's key edits have: a multi-megabyte "key" is no key, only a huge line for sshd to read.
  if (text.length > KEY_MAX_CHARS) refuse(source, path, `longer than ${KEY_MAX_CHARS} characters: not an SSH public key`);
  const key = parseKeyLine(text);
  if (!key) refuse(source, path, `expected one SSH public key line ("ssh-ed25519 AAAA… comment", options allowed before the type), got ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`);
  return key;
}

function rootTarget(facts: Facts): Target {
  const root = facts.passwd.find((p) => p.name === "root");
  return { user: "root", group: (root && facts.group.find((g) => g.gid === root.gid)?.name) ?? "root", home: root?.home || "/root", lines: [] };
}

/**
 * Whose authorized_keys get which lines. Each user's own keys go to that user; the top-level keys and
 * the cloud's public keys go to the default user, and to root: unchanged when root logins are allowed,
 * behind the "log in as …" command when they are not. `disable_root` defaults to true when there is
 * a default user to log in as (cloud-init's default) and to false when there is none, so that an
 * instance with no default user stays reachable as root.
 */
function targetsOf(inputs: BootInputs, facts: Facts, accounts: Accounts): Target[] {
  const { config, sourceOf } = cloudConfigOf(inputs);
  const targets = new Map<string, Target>();
  const targetFor = (name: string): Target => {
    const found = targets.get(name);
    if (found) return found;
    const account = accounts.find(name);
    const t = account ? { user: name, group: account.group, home: account.home, lines: [] } : rootTarget(facts);
    targets.set(name, t);
    return t;
  };

  // Explicit keys first: where root lists a key itself, that plain line wins over the disabled-root one.
  for (const u of accounts.users) {
    u.spec.ssh_authorized_keys?.forEach((text, i) => {
      const key = keyOf(text, u.source, `${u.path}.ssh_authorized_keys[${i}]`);
      targetFor(u.spec.name).lines.push({ key, text: utf8AsLatin1(formatKeyLine(key)) });
    });
  }

  const shared: KeyLine[] = [
    ...inputs.data.publicKeys.map((text, i) => keyOf(text, inputs.data.source.location, `public_keys[${i}]`)),
    ...(config.ssh_authorized_keys ?? []).map((text, i) => keyOf(text, sourceOf("ssh_authorized_keys"), `ssh_authorized_keys[${i}]`)),
  ];
  if (shared.length) {
    const def = accounts.defaultUser;
    if (def) for (const key of shared) targetFor(def.spec.name).lines.push({ key, text: utf8AsLatin1(formatKeyLine(key)) });
    const disableRoot = config.disable_root ?? def !== null;
    // With no default user, cloud-init names "NONE": the key then only says that root is closed.
    const options = disableRoot ? disableRootOptions(def?.spec.name ?? "NONE") : null;
    if (def?.spec.name !== "root") for (const key of shared) targetFor("root").lines.push({ key, text: utf8AsLatin1(formatKeyLine(key, options)) });
  }
  return [...targets.values()].filter((t) => t.lines.length);
}

const keysPath = (home: string) => `${home.replace(/\/+$/, "")}/.ssh/authorized_keys`;

/**
 * authorized_keys for every user with keys (cloud-init's cc_ssh and the keys part of
 * cc_users_groups): ~/.ssh 0700 and the file 0600, both the user's; keys already there are kept,
 * a key given twice is written once.
 */
export const sshKeysAction: Action = {
  name: "ssh-keys",
  frequency: "per-instance",
  reads(inputs, facts) {
    return targetsOf(inputs, facts, accountsOf(inputs, facts)).map((t) => keysPath(t.home));
  },
  plan(inputs: BootInputs, facts: OsFacts): Change[] {
    const out: Change[] = [];
    for (const t of targetsOf(inputs, facts, accountsOf(inputs, facts))) {
      const path = keysPath(t.home);
      const owner = { user: t.user, group: t.group };
      const content = latin1Bytes(mergeAuthorizedKeys(facts.files[path], t.lines));
      const count = new Set(t.lines.map((l) => l.key.blob)).size;
      out.push({ kind: "mkdir", path: path.slice(0, path.lastIndexOf("/")), mode: 0o700, owner, reason: `SSH directory of ${t.user}` });
      out.push({ kind: "write", path, content, mode: 0o600, owner, reason: `${count} SSH key(s) for ${t.user}` });
    }
    return out;
  },
};
