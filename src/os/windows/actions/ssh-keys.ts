import { cloudConfigOf } from "../../../actions/cloud-config-of.ts";
import { formatKeyLine, mergeAuthorizedKeys, type KeyLine } from "../../../actions/identity/authorized-keys.ts";
import { latin1Bytes, utf8AsLatin1 } from "../../../actions/identity/bytes.ts";
import type { BootInputs } from "../../../actions/inputs.ts";
import { keyOf } from "../../../actions/ssh-keys.ts";
import type { Action } from "../../../actions/types.ts";
import type { Change } from "../../../plan/change.ts";
import { windowsAccountsOf, type WindowsAccount } from "../accounts.ts";
import { powershellStep } from "../powershell.ts";
import { USER_KEYS } from "../scripts/user-keys.ts";
import { ADMINISTRATORS_SID, SYSTEM_SID, windowsPath, type WindowsFacts } from "../windows-facts.ts";

type Facts = Omit<WindowsFacts, "files">;

/**
 * OpenSSH for Windows's stock sshd_config (`Match Group administrators`) reads administrators' keys
 * from this one file and never from their own profiles: one file for every administrator.
 */
export const SSH_DIR = "/ProgramData/ssh";
export const ADMIN_KEYS = `${SSH_DIR}/administrators_authorized_keys`;
const AUTHENTICATED_USERS_SID = "S-1-5-11";

interface Target {
  account: WindowsAccount;
  keys: KeyLine[];
}

interface Targets {
  /** The administrators with keys, in order; their keys all go to ADMIN_KEYS. */
  admins: Target[];
  users: Target[];
}

/**
 * Whose keys go where. Each user's own keys go to that user; the cloud's public keys and the
 * top-level ssh_authorized_keys go to the default user, or, with no default user listed, to the
 * built-in Administrator as Linux gives them to root: either way an administrator, so the
 * instance stays reachable.
 */
function targetsOf(inputs: BootInputs, facts: Facts): Targets {
  const { config, sourceOf } = cloudConfigOf(inputs);
  const accounts = windowsAccountsOf(inputs, facts);
  const targets = new Map<WindowsAccount, Target>();
  const add = (account: WindowsAccount, key: KeyLine) => {
    const t = targets.get(account) ?? { account, keys: [] };
    t.keys.push(key);
    targets.set(account, t);
  };
  for (const u of accounts.users) u.spec.ssh_authorized_keys?.forEach((text, i) => add(u, keyOf(text, u.source, `${u.path}.ssh_authorized_keys[${i}]`)));

  const shared = [
    ...inputs.data.publicKeys.map((text, i) => keyOf(text, inputs.data.source.location, `public_keys[${i}]`)),
    ...(config.ssh_authorized_keys ?? []).map((text, i) => keyOf(text, sourceOf("ssh_authorized_keys"), `ssh_authorized_keys[${i}]`)),
  ];
  for (const key of shared) add(accounts.administrator, key);
  const all = [...targets.values()];
  return { admins: all.filter((t) => t.account.admin), users: all.filter((t) => !t.account.admin) };
}

const keysPathOf = (profile: string) => `${profile.replace(/\/+$/, "")}/.ssh/authorized_keys`;
const profileOf = (t: Target) => t.account.existing?.profile;
const lineOf = (key: KeyLine) => ({ key, text: utf8AsLatin1(formatKeyLine(key)) });
const countOf = (keys: KeyLine[]) => new Set(keys.map((k) => k.blob)).size;

/** `/inheritance:r` leaves only the grants that follow: sshd refuses a key file anyone else may change. */
function icacls(facts: Facts, path: string, sids: string[], reason: string): Change {
  return { kind: "run", argv: ["icacls.exe", windowsPath(facts, path), "/inheritance:r", ...sids.flatMap((sid) => ["/grant", `*${sid}:F`])], reason };
}

/**
 * A directory made here would inherit ProgramData's permissions, under which any user may add files,
 * and sshd (running as SYSTEM) reads its configuration there. So it gets the ACL sshd itself gives
 * it when it makes it (O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;AU)).
 */
function sshDirAcl(facts: Facts): Change {
  const argv = ["icacls.exe", windowsPath(facts, SSH_DIR), "/inheritance:r", "/grant", `*${SYSTEM_SID}:(OI)(CI)F`, "/grant", `*${ADMINISTRATORS_SID}:(OI)(CI)F`, "/grant", `*${AUTHENTICATED_USERS_SID}:(OI)(CI)RX`];
  return { kind: "run", argv, reason: "a new OpenSSH directory gets sshd's own ACL: SYSTEM and Administrators may change it, other users only read it" };
}

const sshDirExists = (facts: WindowsFacts) => facts.files[`${SSH_DIR}/`] !== undefined;

function adminChanges(facts: WindowsFacts, admins: Target[]): Change[] {
  if (!admins.length) return [];
  // Offline there is no icacls to run: a directory that is not there yet waits for the first boot.
  if (facts.offline && !sshDirExists(facts)) return [];
  const keys = admins.flatMap((t) => t.keys);
  const names = admins.map((t) => t.account.name).join(", ");
  const out: Change[] = [{ kind: "mkdir", path: SSH_DIR, mode: 0o755, reason: "OpenSSH's configuration directory" }];
  if (!sshDirExists(facts)) out.push(sshDirAcl(facts));
  out.push(
    {
      kind: "write",
      path: ADMIN_KEYS,
      content: latin1Bytes(mergeAuthorizedKeys(facts.files[ADMIN_KEYS], keys.map(lineOf))),
      mode: 0o600,
      reason: `${countOf(keys)} SSH key(s) for administrators ${names}: OpenSSH reads administrators' keys only from this file`,
    },
  );
  if (!facts.offline) out.push(icacls(facts, ADMIN_KEYS, [ADMINISTRATORS_SID, SYSTEM_SID], "sshd reads administrators_authorized_keys only when SYSTEM and Administrators alone may change it"));
  return out;
}

function profileChanges(facts: WindowsFacts, t: Target, profile: string): Change[] {
  const path = keysPathOf(profile);
  const name = t.account.name;
  const out: Change[] = [
    { kind: "mkdir", path: path.slice(0, path.lastIndexOf("/")), mode: 0o700, reason: `SSH directory of ${name}` },
    { kind: "write", path, content: latin1Bytes(mergeAuthorizedKeys(facts.files[path], t.keys.map(lineOf))), mode: 0o600, reason: `${countOf(t.keys)} SSH key(s) for ${name}` },
  ];
  const sid = t.account.existing?.sid;
  if (!facts.offline && sid) out.push(icacls(facts, path, [sid, SYSTEM_SID, ADMINISTRATORS_SID], `sshd reads ${name}'s keys only when ${name}, SYSTEM and Administrators alone may change them`));
  return out;
}

/** Users with no profile yet: one run makes the profiles and writes the keys (the path is known only once the profile exists). */
function newProfilesChange(targets: Target[]): Change[] {
  if (!targets.length) return [];
  const users = targets.map((t) => {
    const seen = new Set<string>();
    const keys = t.keys.filter((k) => !seen.has(k.blob) && seen.add(k.blob)).map((k) => ({ line: formatKeyLine(k), blob: k.blob }));
    return { user: t.account.ref, keys };
  });
  const who = targets.map((t) => `${t.account.name} (${countOf(t.keys)} key(s))`).join(", ");
  return [powershellStep(USER_KEYS, { users }, { reason: `SSH keys for ${who}, whose profile directory is made first where missing (no logon yet)` })];
}

/**
 * authorized_keys on Windows, for OpenSSH for Windows: administrators' keys in the one file sshd
 * reads for them, everyone else's in their profile's .ssh, each with the ACL sshd insists on. Keys
 * already there are kept and a key given twice is written once. Under --root only the files that
 * need no running Windows are written; ACLs and new profiles wait for the image's first boot.
 */
export const windowsSshKeysAction: Action<WindowsFacts> = {
  name: "ssh-keys",
  frequency: "per-instance",
  deferredWhenOffline: true,
  reads(inputs, facts) {
    const { admins, users } = targetsOf(inputs, facts);
    return [...(admins.length ? [`${SSH_DIR}/`, ADMIN_KEYS] : []), ...users.flatMap((t) => (profileOf(t) ? [keysPathOf(profileOf(t) as string)] : []))];
  },
  plan(inputs, facts) {
    const { admins, users } = targetsOf(inputs, facts);
    const out = adminChanges(facts, admins);
    for (const t of users) {
      const profile = profileOf(t);
      if (profile) out.push(...profileChanges(facts, t, profile));
    }
    if (!facts.offline) out.push(...newProfilesChange(users.filter((t) => !profileOf(t))));
    return out;
  },
  notes(inputs, facts) {
    const { config } = cloudConfigOf(inputs);
    const { admins, users } = targetsOf(inputs, facts);
    const notes: string[] = [];
    if (config.disable_root !== undefined) notes.push("ssh-keys: disable_root ignored on Windows (there is no root; the built-in Administrator's keys are administrators_authorized_keys)");
    if (!facts.offline) return notes;
    const dirMissing = admins.length > 0 && !sshDirExists(facts);
    if (dirMissing) notes.push(`ssh-keys: administrators_authorized_keys is written at the target's first boot: ${windowsPath(facts, SSH_DIR)} is not there yet, and made under --root it would carry ProgramData's permissions instead of the ACL sshd needs`);
    const acl = [...(admins.length && !dirMissing ? ["administrators_authorized_keys"] : []), ...users.filter(profileOf).map((t) => `${t.account.name}'s authorized_keys`)];
    if (acl.length) notes.push(`ssh-keys: the ACLs sshd requires on ${acl.join(", ")} are set at the target's first boot (--root: icacls needs the running Windows)`);
    const waiting = users.filter((t) => !profileOf(t)).map((t) => t.account.name);
    if (waiting.length) notes.push(`ssh-keys: keys of ${waiting.join(", ")} are written at the target's first boot, once Windows has made their profile directories`);
    return notes;
  },
};
