import { Secret } from "../model/secret.ts";
import type { Change } from "../plan/change.ts";
import { saltFrom, sha512Crypt } from "./crypt-sha512.ts";
import { accountsOf, type Accounts } from "./identity/accounts.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import { checkName, refuse } from "./identity/fields.ts";
import { busyboxArgv, isBusybox, shadowArgv } from "./identity/tools.ts";
import type { BootInputs } from "./inputs.ts";
import type { Action, OsFacts } from "./types.ts";

export const SSHD_CONFIG = "/etc/ssh/sshd_config";
export const PWAUTH_DROP_IN = "/etc/ssh/sshd_config.d/50-tether-pwauth.conf";
/** cloud-init's set of characters for random passwords: letters and digits without l o L O I 0 1, which people misread. */
const RANDOM_SET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
const RANDOM_LENGTH = 20;

interface PasswordSet {
  /** The crypt hash: never leaves this module except inside chpasswd's Secret input. */
  hash: string;
  expire: boolean;
  /** The clear text of a RANDOM password, to show once on the console. */
  random?: string;
}

/** An unbiased pick from RANDOM_SET: bytes at or above the largest multiple of its size are skipped. */
function randomPassword(random: (n: number) => Uint8Array): string {
  const limit = 256 - (256 % RANDOM_SET.length);
  let out = "";
  while (out.length < RANDOM_LENGTH) {
    for (const byte of random(RANDOM_LENGTH * 2)) {
      if (byte < limit && out.length < RANDOM_LENGTH) out += RANDOM_SET[byte % RANDOM_SET.length];
    }
  }
  return out;
}

function hashText(text: Secret, facts: OsFacts, source: string, path: string): string {
  const value = text.reveal();
  if (value.includes("\0")) refuse(source, path, "a password cannot contain a NUL byte");
  return sha512Crypt(value, `$6$${saltFrom(facts.random)}`);
}

/** A given hash goes into chpasswd's input as it is: it must be one field of one line, and not empty (no password at all). */
function givenHash(hash: Secret, source: string, path: string): string {
  const value = hash.reveal();
  if (value === "") refuse(source, path, "an empty hash would allow logging in without a password");
  if (/[:\n\r\0]/.test(value)) refuse(source, path, "a crypt hash cannot contain ':', a newline or NUL");
  return value;
}

/**
 * Every password source, in cloud-init's order so that later ones win: the cloud's admin password
 * (root), then users[] (cc_users_groups, which then locks unless lock_passwd: false), then chpasswd or
 * `password` (cc_set_passwords, which runs later, so its new hash also undoes that lock).
 */
function passwordsOf(inputs: BootInputs, facts: OsFacts, accounts: Accounts): { set: Map<string, PasswordSet>; lock: string[] } {
  const { config, sourceOf } = cloudConfigOf(inputs);
  const set = new Map<string, PasswordSet>();
  const lock: string[] = [];

  if (inputs.data.adminPassword) {
    set.set("root", { hash: hashText(inputs.data.adminPassword, facts, inputs.data.source.location, "admin_pass"), expire: false });
  }

  for (const u of accounts.users) {
    const s = u.spec;
    const at = (key: string) => `${u.path}.${key}`;
    // Empty values are ignored, as cloud-init ignores them; `passwd` applies only to a user being created.
    if (s.hashed_passwd?.reveal()) set.set(s.name, { hash: givenHash(s.hashed_passwd, u.source, at("hashed_passwd")), expire: false });
    else if (s.plain_text_passwd?.reveal()) set.set(s.name, { hash: hashText(s.plain_text_passwd, facts, u.source, at("plain_text_passwd")), expire: false });
    else if (s.passwd?.reveal() && !u.existing) set.set(s.name, { hash: givenHash(s.passwd, u.source, at("passwd")), expire: false });
    // A user created without a password is already locked ("!" from useradd, adduser -D): locking
    // again costs a usermod per user at every first boot, for nothing.
    if ((s.lock_passwd ?? true) && (u.existing || set.has(s.name))) lock.push(s.name);
  }

  const later: { name: string; hash: () => PasswordSet }[] = [];
  const chpasswd = config.chpasswd;
  const expire = chpasswd?.expire ?? true;
  if (chpasswd?.users.length) {
    const source = sourceOf("chpasswd");
    chpasswd.users.forEach((entry, i) => {
      const at = `chpasswd.users[${i}]`;
      checkName(entry.name, source, `${at}.name`, "user");
      if (!accounts.knows(entry.name)) refuse(source, `${at}.name`, `user ${JSON.stringify(entry.name)} neither exists nor is created by users`);
      if (entry.type === "RANDOM") {
        // Offline, the only console is that of the machine building the image: nobody would ever read it there.
        if (facts.offline) refuse(source, `${at}.type`, "a RANDOM password is shown on the instance's console, which an image being configured (--root) does not have; give a hash or a text password");
        later.push({
          name: entry.name,
          hash: () => {
            const random = randomPassword(facts.random);
            return { hash: sha512Crypt(random, `$6$${saltFrom(facts.random)}`), expire, random };
          },
        });
      } else if (entry.password) {
        const password = entry.password;
        later.push({ name: entry.name, hash: () => ({ hash: entry.type === "text" ? hashText(password, facts, source, `${at}.password`) : givenHash(password, source, `${at}.password`), expire }) });
      }
    });
  } else if (config.password) {
    const source = sourceOf("password");
    const def = accounts.defaultUser;
    if (!def) refuse(source, "password", "sets the default user's password, and there is no default user (list \"default\" in users, or use chpasswd.users)");
    const password = config.password;
    later.push({ name: def.spec.name, hash: () => ({ hash: hashText(password, facts, source, "password"), expire }) });
  }
  for (const { name, hash } of later) {
    set.set(name, hash());
    const locked = lock.indexOf(name);
    if (locked >= 0) lock.splice(locked, 1);
  }
  return { set, lock };
}

function chpasswdArgv(facts: OsFacts): string[] {
  return isBusybox(facts) ? busyboxArgv(facts, ["chpasswd", "-e"]) : shadowArgv(facts, "chpasswd", ["-e"]);
}

function lockArgv(facts: OsFacts, name: string): string[] {
  return isBusybox(facts) ? busyboxArgv(facts, ["passwd", "-l", name]) : shadowArgv(facts, "usermod", ["-L", name]);
}

/** busybox passwd has no --expire: shadow's chage does it (Alpine's `shadow` package). */
function expireArgv(facts: OsFacts, name: string): string[] {
  return isBusybox(facts) ? busyboxArgv(facts, ["chage", "-d", "0", name]) : shadowArgv(facts, "passwd", ["-e", name]);
}

function includesDropIns(sshdConfig: string): boolean {
  for (const m of sshdConfig.matchAll(/^[ \t]*Include[ \t]+(.+)$/gim)) {
    if ((m[1] as string).split(/[ \t]+/).some((arg) => /^(\/etc\/ssh\/)?sshd_config\.d\/\*\.conf$/.test(arg))) return true;
  }
  return false;
}

/** ssh_pwauth through a drop-in, so sshd_config itself stays the distribution's (and its package's) file. */
function pwauthChanges(inputs: BootInputs, facts: OsFacts): Change[] {
  const { config } = cloudConfigOf(inputs);
  const pwauth = config.ssh_pwauth;
  if (pwauth === undefined || pwauth === "unchanged") return [];
  const sshdConfig = facts.files[SSHD_CONFIG];
  // No sshd_config: no sshd to configure (cloud-init would create a one-line sshd_config; that file would then shadow the package's).
  if (sshdConfig === undefined) return [];
  const out: Change[] = [];
  if (!includesDropIns(sshdConfig)) {
    // sshd keeps the first value it reads: the Include goes first so that the drop-ins decide.
    out.push({ kind: "mkdir", path: "/etc/ssh/sshd_config.d", mode: 0o755, reason: "sshd drop-in directory for ssh_pwauth" });
    out.push({ kind: "write", path: SSHD_CONFIG, content: `Include /etc/ssh/sshd_config.d/*.conf\n${sshdConfig}`, mode: 0o644, reason: "sshd must read its drop-ins for ssh_pwauth" });
  }
  const value = pwauth ? "yes" : "no";
  out.push({ kind: "write", path: PWAUTH_DROP_IN, content: `# Written by Tether from the instance's cloud-config (ssh_pwauth).\nPasswordAuthentication ${value}\n`, mode: 0o644, reason: `ssh_pwauth: password logins ${pwauth ? "allowed" : "refused"}` });
  if (!facts.offline) {
    const argv = facts.distro.means.services === "openrc" ? ["rc-service", "--ifstarted", "sshd", "reload"] : ["systemctl", "try-reload-or-restart", facts.distro.means.family === "debian" ? "ssh" : "sshd"];
    out.push({ kind: "run", argv, reason: "sshd reads ssh_pwauth" });
  }
  return out;
}

/**
 * Passwords (cloud-init's cc_set_passwords, the password keys of cc_users_groups, and the cloud's
 * admin password for root). Clear text is hashed here (SHA-512 crypt, random salt); every hash goes
 * to one `chpasswd -e` as a Secret input, so no password or hash is ever an argument, a log line or a
 * plan reason. RANDOM passwords are shown once, on the instance's console (/dev/console, as
 * cloud-init does), never in a log.
 */
export const passwordsAction: Action = {
  name: "passwords",
  frequency: "per-instance",
  reads: () => [SSHD_CONFIG],
  plan(inputs: BootInputs, facts: OsFacts): Change[] {
    const accounts = accountsOf(inputs, facts);
    const { set, lock } = passwordsOf(inputs, facts, accounts);
    const out: Change[] = [];
    if (set.size) {
      const names = [...set.keys()];
      const input = new Secret(names.map((n) => `${n}:${(set.get(n) as PasswordSet).hash}\n`).join(""));
      out.push({ kind: "run", argv: chpasswdArgv(facts), input, reason: `passwords of ${names.join(", ")}` });
    }
    for (const name of lock) out.push({ kind: "run", argv: lockArgv(facts, name), reason: `password of ${name} locked (lock_passwd)` });
    for (const [name, p] of set) if (p.expire) out.push({ kind: "run", argv: expireArgv(facts, name), reason: `${name} must choose a new password at first login (chpasswd.expire)` });
    out.push(...pwauthChanges(inputs, facts));
    const randoms = [...set].filter(([, p]) => p.random !== undefined);
    if (randoms.length) {
      // cloud-init's words, so console scrapers that look for them keep working. Last: a console that
      // cannot be written must not keep any password from being set.
      const text = `Set the following 'random' passwords\n${randoms.map(([n, p]) => `${n}:${p.random}`).join("\n")}\n`;
      out.push({ kind: "run", argv: ["dd", "of=/dev/console", "status=none"], input: new Secret(text), reason: `RANDOM password(s) of ${randoms.map(([n]) => n).join(", ")} shown on the console` });
    }
    return out;
  },
};
