/**
 * /etc/passwd and /etc/group, parsed as the target's own tables: owners named in a plan are
 * resolved against the image being configured, never against the machine running the agent.
 */

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const ID = /^\d{1,10}$/;

function lines(text: string): string[][] {
  // NIS compat lines ("+", "-name") and comments are not local accounts: skipped like getpwnam would.
  return text
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith("+") && !l.startsWith("-"))
    .map((l) => l.split(":"));
}

/** Malformed lines are skipped, not fatal: one bad line must not hide every other account. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(text)) {
    if (f.length < 7 || !f[0] || !ID.test(f[2] ?? "") || !ID.test(f[3] ?? "")) continue;
    out.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), gecos: f[4] ?? "", home: f[5] ?? "", shell: f.slice(6).join(":") });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(text)) {
    if (f.length < 4 || !f[0] || !ID.test(f[2] ?? "")) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: (f[3] ?? "").split(",").filter((m) => m !== "") });
  }
  return out;
}
