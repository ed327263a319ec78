import { cloudConfigOf } from "../../../actions/cloud-config-of.ts";
import { refuse } from "../../../actions/identity/fields.ts";
import type { BootInputs } from "../../../actions/inputs.ts";
import type { Action } from "../../../actions/types.ts";
import type { Secret } from "../../../model/secret.ts";
import { checkWindowsName, isBuiltinAdmin, windowsAccountsOf, type UserRef, type WindowsAccounts } from "../accounts.ts";
import { powershellStep } from "../powershell.ts";
import { SET_PASSWORDS } from "../scripts/set-passwords.ts";
import type { WindowsFacts } from "../windows-facts.ts";

type Facts = Omit<WindowsFacts, "files">;

interface PasswordSet {
  name: string;
  ref: UserRef;
  /** The clear text: it leaves this module only inside the run's Secret input. */
  password: string;
  expire: boolean;
  /** The built-in Administrator is disabled: setting its password enables it. */
  enable: boolean;
}

interface Target {
  name: string;
  ref: UserRef;
  builtin: boolean;
  enabled: boolean | undefined;
}

const CRYPT = "a crypt hash cannot set a Windows password (Windows keeps its own hashes of the clear text)";

function clearText(secret: Secret, source: string, path: string): string {
  const value = secret.reveal();
  if (value.includes("\0")) refuse(source, path, "a password cannot contain a NUL character");
  return value;
}

function targetOf(accounts: WindowsAccounts, name: string): Target {
  const account = accounts.find(name);
  if (account) return { name: account.name, ref: account.ref, builtin: account.builtin, enabled: account.existing?.enabled };
  const existing = accounts.existingUser(name);
  if (existing) return { name: existing.name, ref: { sid: existing.sid }, builtin: isBuiltinAdmin(existing), enabled: existing.enabled };
  // Offline only: the image's accounts are not read, so the name is all there is.
  return { name, ref: { name }, builtin: false, enabled: undefined };
}

function builtinTarget(accounts: WindowsAccounts): Target {
  const a = accounts.administrator;
  return { name: a.name, ref: a.ref, builtin: true, enabled: a.existing?.enabled };
}

/**
 * Every password source, in cloud-init's order so that later ones win: the cloud's admin password
 * (for the built-in Administrator, Windows's root), then users[], then chpasswd or `password` (the
 * default user's). What Windows cannot take (crypt hashes, RANDOM) is skipped with a note, never
 * refused: one cloud-config serves Linux and Windows images alike.
 */
function passwordsOf(inputs: BootInputs, facts: Facts): { set: Map<string, PasswordSet>; notes: string[] } {
  const { config, sourceOf } = cloudConfigOf(inputs);
  const accounts = windowsAccountsOf(inputs, facts);
  const set = new Map<string, PasswordSet>();
  const notes: string[] = [];
  const put = (t: Target, password: string, expire: boolean) =>
    set.set(t.name.toLowerCase(), { name: t.name, ref: t.ref, password, expire, enable: t.builtin && t.enabled !== true });

  if (inputs.data.adminPassword?.reveal()) put(builtinTarget(accounts), clearText(inputs.data.adminPassword, inputs.data.source.location, "admin_pass"), false);

  for (const u of accounts.users) {
    const s = u.spec;
    const at = (key: string) => `${u.path}.${key}`;
    for (const key of ["hashed_passwd", "passwd"] as const) if (s[key]?.reveal()) notes.push(`passwords: ${at(key)} (${u.name}): ${CRYPT}; skipped (give plain_text_passwd)`);
    // Empty values are ignored, as cloud-init ignores them.
    if (s.plain_text_passwd?.reveal()) put(targetOf(accounts, u.name), clearText(s.plain_text_passwd, u.source, at("plain_text_passwd")), false);
  }

  const chpasswd = config.chpasswd;
  const expire = chpasswd?.expire ?? true;
  if (chpasswd?.users.length) {
    const source = sourceOf("chpasswd");
    chpasswd.users.forEach((entry, i) => {
      const at = `chpasswd.users[${i}]`;
      checkWindowsName(entry.name, source, `${at}.name`, "user");
      if (!accounts.knows(entry.name)) refuse(source, `${at}.name`, `user ${JSON.stringify(entry.name)} neither exists nor is created by users`);
      if (entry.type === "RANDOM") {
        notes.push(`passwords: ${at} (${entry.name}): RANDOM skipped: nobody would learn the password, since cloud-init shows it on the instance's console and Tether shows nothing on a Windows console (give type: text and a password)`);
      } else if (entry.type === "hash") {
        notes.push(`passwords: ${at} (${entry.name}): ${CRYPT}; skipped (give type: text)`);
      } else if (entry.password?.reveal()) {
        put(targetOf(accounts, entry.name), clearText(entry.password, source, `${at}.password`), expire);
      }
    });
  } else if (config.password?.reveal()) {
    const source = sourceOf("password");
    const def = accounts.defaultUser;
    if (!def) refuse(source, "password", 'sets the default user\'s password (on Windows the built-in Administrator), and users does not list "default"; list it, or use chpasswd.users');
    put(targetOf(accounts, def.name), clearText(config.password, source, "password"), expire);
  }

  const expiring = [...set.values()].filter((p) => p.expire).map((p) => p.name);
  if (expiring.length) {
    notes.push(`passwords: ${expiring.join(", ")} must choose a new password at the next logon (chpasswd.expire, true unless set to false); the console can do that, a Remote Desktop logon with Network Level Authentication cannot`);
  }
  if (config.ssh_pwauth !== undefined && config.ssh_pwauth !== "unchanged") notes.push("passwords: ssh_pwauth is not applied on Windows yet; sshd_config stays as it is");
  if (facts.offline && set.size) notes.push(`passwords: kept for the target's first boot, since passwords live in the running Windows (--root): ${[...set.values()].map((p) => p.name).join(", ")}`);
  return { set, notes };
}

function reasonOf(set: Map<string, PasswordSet>): string {
  const all = [...set.values()];
  const parts = [`passwords of ${all.map((p) => p.name).join(", ")}`];
  for (const p of all) if (p.enable) parts.push(`${p.name} enabled (it is disabled)`);
  const expiring = all.filter((p) => p.expire).map((p) => p.name);
  if (expiring.length) parts.push(`${expiring.join(", ")} must choose a new one at the next logon (chpasswd.expire)`);
  return parts.join("; ");
}

/**
 * Passwords on Windows: the cloud's admin password, users[].plain_text_passwd, chpasswd.users of
 * type text and `password`, set in one PowerShell run whose input is a Secret, so no password is
 * ever an argument, a log line, a plan reason or a journal entry. Under --root nothing is set: the
 * image's first boot sets them from the instance's data.
 */
export const windowsPasswordsAction: Action<WindowsFacts> = {
  name: "passwords",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const { set } = passwordsOf(inputs, facts);
    if (facts.offline || !set.size) return [];
    const passwords = [...set.values()].map((p) => ({ user: p.ref, password: p.password, expire: p.expire, enable: p.enable }));
    return [powershellStep(SET_PASSWORDS, { passwords }, { reason: reasonOf(set), secret: true })];
  },
  notes: (inputs, facts) => passwordsOf(inputs, facts).notes,
};
