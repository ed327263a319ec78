import { describe, expect, test } from "bun:test";
import { sha512Crypt } from "../../src/actions/crypt-sha512.ts";
import { passwordsAction, PWAUTH_DROP_IN, SSHD_CONFIG } from "../../src/actions/passwords.ts";
import { Secret } from "../../src/model/secret.ts";
import type { Change } from "../../src/plan/change.ts";
import { factsFor, inputsFrom, plan, refusal, text } from "./identity-helpers.ts";

const SSHD = { [SSHD_CONFIG]: "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n" };
const HASH = "$6$abcdefgh$Ur/PpuuiKCR2g3rzRdpCSYsdEc8ZBTHvJXJLm8Nx5tqqiCo9JNTMaRYwNf2Gd8PDK1N9ktWz/9Ftkh2h4bF1b.";

const runs = (changes: Change[]) => changes.flatMap((c) => (c.kind === "run" ? [c.argv] : []));
function chpasswdLines(changes: Change[]): string[] {
  const c = changes.find((x) => x.kind === "run" && x.argv.includes("chpasswd"));
  if (c?.kind !== "run" || !(c.input instanceof Secret)) throw new Error("no chpasswd with a Secret input");
  return c.input.reveal().trimEnd().split("\n");
}
/** A line "user:$6$salt$…" holds the hash of `password`. */
const holds = (line: string | undefined, user: string, password: string) => {
  const hash = (line ?? "").slice(user.length + 1);
  return (line ?? "").startsWith(`${user}:$6$`) && sha512Crypt(password, hash) === hash;
};

describe("passwords action", () => {
  test("chpasswd users: text hashed here, hash as given, all expired by default; one chpasswd -e", async () => {
    const inputs = await inputsFrom(`chpasswd:\n  users:\n    - {name: carol, type: text, password: "s3cret pw"}\n    - {name: root, password: "${HASH}"}\n`);
    const changes = plan(passwordsAction, inputs, factsFor({ root: "/img" }));
    expect(runs(changes)).toEqual([
      ["chpasswd", "-R", "/img", "-e"],
      // debian, created by this plan without a password, is locked by useradd itself.
      ["passwd", "-R", "/img", "-e", "carol"],
      ["passwd", "-R", "/img", "-e", "root"],
    ]);
    const lines = chpasswdLines(changes);
    expect(holds(lines[0], "carol", "s3cret pw")).toBe(true);
    expect(lines[1]).toBe(`root:${HASH}`);
    // Nothing secret anywhere but inside the Secret: not in argv, reasons, or the plan as JSON.
    const shown = JSON.stringify(changes);
    for (const secret of ["s3cret", HASH, (lines[0] as string).slice(6)]) expect(shown).not.toContain(secret);
  });

  test("users[]: plain_text_passwd and hashed_passwd set, then locked unless lock_passwd: false (cloud-init's default)", async () => {
    const inputs = await inputsFrom(`users:
  - name: carol
    passwd: "${HASH}"
  - name: al
    plain_text_passwd: "al pw"
  - name: bo
    hashed_passwd: "${HASH}"
    lock_passwd: false
`);
    const changes = plan(passwordsAction, inputs, factsFor());
    const lines = chpasswdLines(changes);
    // carol exists: `passwd` is for new users only, so she gets no password, only the lock.
    expect(lines.map((l) => l.split(":")[0])).toEqual(["al", "bo"]);
    expect(holds(lines[0], "al", "al pw")).toBe(true);
    expect(runs(changes).slice(1)).toEqual([
      ["usermod", "-L", "carol"],
      ["usermod", "-L", "al"],
    ]);
  });

  test("top-level password is the default user's, and undoes its lock; without a default user it is refused", async () => {
    const changes = plan(passwordsAction, await inputsFrom("password: pw-for-debian\nchpasswd: {expire: false}\n"), factsFor());
    expect(runs(changes)).toEqual([["chpasswd", "-e"]]);
    expect(holds(chpasswdLines(changes)[0], "debian", "pw-for-debian")).toBe(true);
    const inputs = await inputsFrom("users: [carol]\npassword: x\n");
    expect(refusal(() => plan(passwordsAction, inputs, factsFor()))).toStartWith("seed user-data: password: sets the default user's password, and there is no default user");
  });

  test("the cloud's admin password is root's, not expired; user-data for root wins over it", async () => {
    const only = await inputsFrom("users: []\n", { adminPassword: new Secret("admin-1") });
    const changes = plan(passwordsAction, only, factsFor());
    expect(runs(changes)).toEqual([["chpasswd", "-e"]]);
    expect(holds(chpasswdLines(changes)[0], "root", "admin-1")).toBe(true);
    const both = await inputsFrom("users: []\nchpasswd:\n  expire: false\n  users: [{name: root, type: text, password: mine}]\n", { adminPassword: new Secret("admin-1") });
    expect(holds(chpasswdLines(plan(passwordsAction, both, factsFor()))[0], "root", "mine")).toBe(true);
  });

  test("RANDOM: generated, set, shown once on the console (last step); refused offline", async () => {
    const inputs = await inputsFrom("users: []\nchpasswd:\n  users: [{name: carol, type: RANDOM}]\n");
    const changes = plan(passwordsAction, inputs, factsFor());
    const last = changes.at(-1);
    expect(last?.kind === "run" && last.argv).toEqual(["dd", "of=/dev/console", "status=none"]);
    const shown = last?.kind === "run" && last.input instanceof Secret ? last.input.reveal() : "";
    const m = /^Set the following 'random' passwords\ncarol:([a-km-zA-HJ-NP-Z2-9]{20})\n$/.exec(shown);
    expect(m).not.toBeNull();
    expect(holds(chpasswdLines(changes)[0], "carol", m?.[1] as string)).toBe(true);
    expect(runs(changes).slice(1, -1)).toEqual([["passwd", "-e", "carol"]]);
    expect(refusal(() => plan(passwordsAction, inputs, factsFor({ root: "/img" })))).toStartWith("seed user-data: chpasswd.users[0].type: a RANDOM password is shown on the instance's console");
  });

  test("ssh_pwauth: a drop-in; sshd reloaded by the distro's service manager when running", async () => {
    const inputs = await inputsFrom("users: []\nssh_pwauth: true\n");
    const debian = plan(passwordsAction, inputs, factsFor(), SSHD);
    expect(debian.map((c) => (c.kind === "write" ? { write: c.path, content: text(c.content), mode: c.mode } : c.kind === "run" ? c.argv : c))).toEqual([
      { write: PWAUTH_DROP_IN, content: "# Written by Tether from the instance's cloud-config (ssh_pwauth).\nPasswordAuthentication yes\n", mode: 0o644 },
      ["systemctl", "try-reload-or-restart", "ssh"],
    ]);
    expect(runs(plan(passwordsAction, inputs, factsFor({ os: "fedora" }), SSHD))).toEqual([["systemctl", "try-reload-or-restart", "sshd"]]);
    expect(runs(plan(passwordsAction, inputs, factsFor({ os: "alpine" }), SSHD))).toEqual([["rc-service", "--ifstarted", "sshd", "reload"]]);
    expect(runs(plan(passwordsAction, inputs, factsFor({ root: "/img" }), SSHD))).toEqual([]);
  });

  test("ssh_pwauth: an sshd_config without the drop-in Include gets it first; unchanged or no sshd: nothing", async () => {
    const inputs = await inputsFrom("users: []\nssh_pwauth: false\n");
    const changes = plan(passwordsAction, inputs, factsFor({ root: "/img" }), { [SSHD_CONFIG]: "PermitRootLogin no\n" });
    expect(changes.map((c) => (c.kind === "write" ? [c.path, text(c.content)] : c.kind === "mkdir" ? [c.path, c.mode] : c))).toEqual([
      ["/etc/ssh/sshd_config.d", 0o755],
      [SSHD_CONFIG, "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n"],
      [PWAUTH_DROP_IN, "# Written by Tether from the instance's cloud-config (ssh_pwauth).\nPasswordAuthentication no\n"],
    ]);
    expect(plan(passwordsAction, await inputsFrom("users: []\nssh_pwauth: unchanged\n"), factsFor(), SSHD)).toEqual([]);
    expect(plan(passwordsAction, inputs, factsFor())).toEqual([]);
  });

  test("alpine: busybox chpasswd, passwd -l, chage for expiry, inside the image with chroot", async () => {
    const inputs = await inputsFrom("users: [{name: al, lock_passwd: true}]\nchpasswd:\n  users: [{name: root, type: text, password: x}]\n");
    // al exists already, so its lock is asked for; a user made by this plan starts locked.
    const passwd = "root:x:0:0:root:/root:/bin/ash\nal:x:1000:1000::/home/al:/bin/ash\n";
    expect(runs(plan(passwordsAction, inputs, factsFor({ os: "alpine", passwd, root: "/img" })))).toEqual([
      ["chroot", "/img", "chpasswd", "-e"],
      ["chroot", "/img", "passwd", "-l", "al"],
      ["chroot", "/img", "chage", "-d", "0", "root"],
    ]);
  });

  test("unsafe or unknown users and broken hashes are refused, naming the field", async () => {
    const cases: [string, string][] = [
      ['chpasswd:\n  users: [{name: "root:0", type: text, password: x}]\n', "seed user-data: chpasswd.users[0].name: expected a user name"],
      ["chpasswd:\n  users: [{name: ghost, type: text, password: x}]\n", 'seed user-data: chpasswd.users[0].name: user "ghost" neither exists nor is created by users'],
      ['chpasswd:\n  users: [{name: root, password: "$6$a$b\\nroot2:x"}]\n', "seed user-data: chpasswd.users[0].password: a crypt hash cannot contain ':', a newline or NUL"],
      ['chpasswd:\n  users: [{name: root, password: ""}]\n', "seed user-data: chpasswd.users[0].password: an empty hash would allow logging in without a password"],
      ['users:\n  - name: al\n    plain_text_passwd: "a\\0b"\n', "seed user-data: users[0].plain_text_passwd: a password cannot contain a NUL byte"],
    ];
    for (const [yaml, message] of cases) {
      const inputs = await inputsFrom(yaml);
      expect(refusal(() => plan(passwordsAction, inputs, factsFor()))).toStartWith(message);
    }
  });
});
