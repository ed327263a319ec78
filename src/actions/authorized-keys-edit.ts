import type { Change } from "../plan/change.ts";
import { parseKeyLine } from "./identity/authorized-keys.ts";
import { latin1Bytes, utf8AsLatin1 } from "./identity/bytes.ts";
import { refuse } from "./identity/fields.ts";
import type { Action, OsFacts } from "./types.ts";

/**
 * A host's edit of one user's authorized_keys (QGA's guest-ssh-add/remove-authorized-keys):
 * keys added, or with `reset` the whole list replaced; keys removed.
 */
export interface KeysEdit {
  user: string;
  add?: readonly string[];
  remove?: readonly string[];
  reset?: boolean;
}

/** The source an edit's refusals name. */
export const EDIT_SOURCE = "authorized-keys request";

/** A key longer than this is not a key (an RSA-16384 certificate is under 8 KiB). */
export const KEY_MAX_CHARS = 64 * 1024;

/**
 * Why a text cannot be one authorized_keys line, or null. qemu-ga's check_openssh_pub_key refuses a
 * key starting with '#' or holding a newline; a carriage return or NUL would also end the line for
 * sshd, and a blank is not a key either.
 */
export function keyLineProblem(key: string): string | null {
  if (typeof key !== "string" || key.trim() === "") return "an empty line is not a key";
  if (/[\n\r\0]/.test(key)) return "a key is one line: no newline, carriage return or NUL";
  if (key.trimStart().startsWith("#")) return "a comment is not a key";
  if (key.length > KEY_MAX_CHARS) return `longer than ${KEY_MAX_CHARS} characters`;
  return null;
}

export interface KeysTarget {
  user: string;
  group: string;
  home: string;
}

/** Where a user's keys live, from the target's own /etc/passwd; undefined for an unknown user. */
export function keysTargetOf(facts: Pick<OsFacts, "passwd" | "group">, user: string): KeysTarget | undefined {
  const entry = facts.passwd.find((p) => p.name === user);
  if (!entry) return undefined;
  const home = entry.home.replace(/\/+$/, "") || "/";
  return { user, group: facts.group.find((g) => g.gid === entry.gid)?.name ?? String(entry.gid), home };
}

export const sshDirOf = (home: string) => `${home === "/" ? "" : home}/.ssh`;
export const keysPathOf = (home: string) => `${sshDirOf(home)}/authorized_keys`;

/**
 * The same key: the same line (white space at the ends aside), or, where both parse as keys, the
 * same key blob whatever their options or comments.
 */
function sameKey(line: string, key: string): boolean {
  if (line.trim() === key.trim()) return true;
  const a = parseKeyLine(line);
  const b = parseKeyLine(key);
  return a !== null && b !== null && a.blob === b.blob;
}

function linesOf(content: string | undefined): string[] {
  if (content === undefined || content === "") return [];
  const lines = content.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * The file after the edit, as latin1 "byte text" like facts.files. Removed keys go first: every line
 * holding one is dropped. Then each added key: a line with the same key is replaced in place (so the
 * file keeps one line per key, as boot's ssh-keys does), otherwise the key is appended. With reset the
 * old lines, comments included, are all dropped first, as qemu-ga does.
 */
export function editedKeys(current: string | undefined, edit: KeysEdit): string {
  let lines = edit.reset ? [] : linesOf(current);
  const removed = (edit.remove ?? []).map(utf8AsLatin1);
  if (removed.length) lines = lines.filter((line) => !removed.some((key) => sameKey(line, key)));
  for (const key of (edit.add ?? []).map(utf8AsLatin1)) {
    const at = lines.findIndex((line) => sameKey(line, key));
    if (at >= 0) lines[at] = key;
    else lines.push(key);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

function checkKeys(keys: readonly string[] | undefined, field: string): void {
  keys?.forEach((key, i) => {
    const problem = keyLineProblem(key);
    if (problem) refuse(EDIT_SOURCE, `${field}[${i}]`, `invalid OpenSSH public key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}: ${problem}`);
  });
}

/**
 * The edit as an action, planned like boot's ssh-keys: ~/.ssh 0700 (made when missing) and the file
 * 0600, both the user's, written whole from its current content. A removal from a file that does not
 * exist changes nothing (qemu-ga's guest-ssh-remove-authorized-keys succeeds then).
 */
export function authorizedKeysEditAction(edit: KeysEdit): Action {
  return {
    name: "authorized-keys",
    frequency: "always",
    reads(_inputs, facts) {
      const target = keysTargetOf(facts, edit.user);
      return target ? [`${target.home === "/" ? "" : target.home}/`, keysPathOf(target.home)] : [];
    },
    plan(_inputs, facts): Change[] {
      const target = keysTargetOf(facts, edit.user);
      if (!target) refuse(EDIT_SOURCE, "user", `no user ${JSON.stringify(edit.user)} in the target's /etc/passwd`);
      checkKeys(edit.add, "add");
      checkKeys(edit.remove, "remove");
      const path = keysPathOf(target.home);
      const current = facts.files[path];
      if (!edit.reset && !edit.add?.length && current === undefined) return [];
      // useradd makes the home; the agent does not invent one (nobody's /nonexistent stays absent).
      if (facts.files[`${target.home === "/" ? "" : target.home}/`] === undefined) {
        refuse(EDIT_SOURCE, "user", `the home directory ${target.home} of ${edit.user} does not exist`);
      }
      const owner = { user: target.user, group: target.group };
      const content = editedKeys(current, edit);
      const count = linesOf(content).filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#")).length;
      const what = [edit.reset ? "reset" : "", edit.add?.length ? `${edit.add.length} added` : "", edit.remove?.length ? `${edit.remove.length} removed` : ""].filter(Boolean).join(", ");
      return [
        { kind: "mkdir", path: sshDirOf(target.home), mode: 0o700, owner, reason: `SSH directory of ${target.user}` },
        { kind: "write", path, content: latin1Bytes(content), mode: 0o600, owner, reason: `SSH keys of ${target.user} (host request: ${what || "no change"}; ${count} key line(s) now)` },
      ];
    },
  };
}
