import { describe, expect, test } from "bun:test";
import { Secret } from "../../../src/model/secret.ts";
import { windowsPasswordsAction } from "../../../src/os/windows/actions/passwords.ts";
import type { Change } from "../../../src/plan/change.ts";
import { planJson } from "../../../src/plan/diff.ts";
import { inputsFrom, refusal } from "../../actions/identity-helpers.ts";
import { expectGolden, formatChanges, offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

const SID = "S-1-5-21-1004336348-1177238915-682003330";
const HASH = "$6$abcdefgh$Ur/PpuuiKCR2g3rzRdpCSYsdEc8ZBTHvJXJLm8Nx5tqqiCo9JNTMaRYwNf2Gd8PDK1N9ktWz/9Ftkh2h4bF1b.";
const ADMIN_PASS = "Cl0ud-admin-pw!";

interface Entry {
  user: Record<string, unknown>;
  password: string;
  expire: boolean;
  enable: boolean;
}

function passwordsOf(changes: Change[]): Entry[] {
  expect(changes).toHaveLength(1);
  const c = changes[0];
  if (c?.kind !== "run" || !(c.input instanceof Secret)) throw new Error("expected one run with a Secret input");
  return (JSON.parse(c.input.reveal()) as { passwords: Entry[] }).passwords;
}

const withNotes = (changes: Change[], notes: string[] = []) => `${changes.length ? formatChanges(changes) : "(no changes)\n"}${notes.length ? `notes:\n${notes.map((n) => `  ${n}\n`).join("")}` : ""}`;

const ALL = `
users:
  - default
  - name: bob
    plain_text_passwd: "bob's pw 1"
  - name: eve
    hashed_passwd: "${HASH}"
chpasswd:
  expire: true
  users:
    - {name: carol, type: text, password: "carol pw 2"}
    - {name: Administrator, type: text, password: "admin pw 3"}
    - {name: bob, password: "${HASH}"}
    - {name: eve, type: RANDOM}
`;

describe("Windows passwords", () => {
  test("golden: every source in cloud-init's order, later wins, what Windows cannot take is a note", async () => {
    const inputs = await inputsFrom(ALL, { adminPassword: new Secret(ADMIN_PASS) });
    const facts = windowsFacts();
    const changes = planWindows(windowsPasswordsAction, inputs, facts);
    expectGolden("passwords/all-sources.txt", withNotes(changes, windowsPasswordsAction.notes?.(inputs, facts)));
    expect(passwordsOf(changes)).toEqual([
      // admin_pass first, then chpasswd's text for the same account wins (and expires).
      { user: { sid: `${SID}-500` }, password: "admin pw 3", expire: true, enable: false },
      { user: { name: "bob" }, password: "bob's pw 1", expire: false, enable: false },
      { user: { sid: `${SID}-1001` }, password: "carol pw 2", expire: true, enable: false },
    ]);
  });

  test("secrets: in no reason, note, plan text or plan JSON", async () => {
    const inputs = await inputsFrom(ALL, { adminPassword: new Secret(ADMIN_PASS) });
    const changes = planWindows(windowsPasswordsAction, inputs, windowsFacts());
    const shown = [
      formatChanges(changes),
      JSON.stringify(planJson({ instanceId: "iid-1", steps: [{ action: "passwords", changes }] })),
      JSON.stringify(changes),
      ...(windowsPasswordsAction.notes?.(inputs, windowsFacts()) ?? []),
    ].join("\n");
    for (const secret of [ADMIN_PASS, "bob's pw", "carol pw", "admin pw", HASH, "abcdefgh$"]) expect(shown).not.toContain(secret);
    expect(formatChanges(changes)).toContain("< (secret)");
  });

  test("the cloud's admin password goes to the built-in Administrator, found by RID 500 however it is named, and enables it", async () => {
    const facts = windowsFacts({ users: [{ name: "Admin", sid: `${SID}-500`, enabled: false, admin: true }] });
    const changes = planWindows(windowsPasswordsAction, await inputsFrom(null, { adminPassword: new Secret(ADMIN_PASS) }), facts);
    expect(passwordsOf(changes)).toEqual([{ user: { sid: `${SID}-500` }, password: ADMIN_PASS, expire: false, enable: true }]);
    expect(changes[0]?.reason).toBe("passwords of Admin; Admin enabled (it is disabled)");
    // Not seen by the facts at all: the script finds it by its RID.
    const unseen = planWindows(windowsPasswordsAction, await inputsFrom(null, { adminPassword: new Secret(ADMIN_PASS) }), windowsFacts({ users: [] }));
    expect(passwordsOf(unseen)[0]).toMatchObject({ user: { builtin: true }, enable: true });
  });

  test("`password` is the default user's, expired unless chpasswd.expire is false; other disabled accounts stay disabled", async () => {
    const changes = planWindows(windowsPasswordsAction, await inputsFrom('password: "pw 4"\nchpasswd: {expire: false}\n'), windowsFacts());
    expect(passwordsOf(changes)).toEqual([{ user: { sid: `${SID}-500` }, password: "pw 4", expire: false, enable: false }]);
    const guest = planWindows(windowsPasswordsAction, await inputsFrom('chpasswd: {users: [{name: guest, type: text, password: "pw 5"}]}\n'), windowsFacts());
    expect(passwordsOf(guest)).toEqual([{ user: { sid: `${SID}-501` }, password: "pw 5", expire: true, enable: false }]);
    // chpasswd.users decides over `password`, as in cloud-init.
    const both = planWindows(windowsPasswordsAction, await inputsFrom('password: "pw 6"\nchpasswd: {users: [{name: carol, type: text, password: "pw 7"}]}\n'), windowsFacts());
    expect(passwordsOf(both).map((p) => p.password)).toEqual(["pw 7"]);
  });

  test("notes: crypt hashes and RANDOM skipped with why, expiry and NLA, ssh_pwauth not applied", async () => {
    const inputs = await inputsFrom(`users:\n  - name: carol\n    passwd: "${HASH}"\nchpasswd:\n  users:\n    - {name: carol, type: RANDOM}\n    - {name: guest, password: "${HASH}"}\nssh_pwauth: true\n`);
    const facts = windowsFacts();
    expect(planWindows(windowsPasswordsAction, inputs, facts)).toEqual([]);
    expect(windowsPasswordsAction.notes?.(inputs, facts)).toEqual([
      "passwords: users[0].passwd (carol): a crypt hash cannot set a Windows password (Windows keeps its own hashes of the clear text); skipped (give plain_text_passwd)",
      "passwords: chpasswd.users[0] (carol): RANDOM skipped: nobody would learn the password, since cloud-init shows it on the instance's console and Tether shows nothing on a Windows console (give type: text and a password)",
      "passwords: chpasswd.users[1] (guest): a crypt hash cannot set a Windows password (Windows keeps its own hashes of the clear text); skipped (give type: text)",
      "passwords: ssh_pwauth is not applied on Windows yet; sshd_config stays as it is",
    ]);
    const expiring = await inputsFrom('password: "pw"\n');
    expect(windowsPasswordsAction.notes?.(expiring, facts)).toEqual([
      "passwords: Administrator must choose a new password at the next logon (chpasswd.expire, true unless set to false); the console can do that, a Remote Desktop logon with Network Level Authentication cannot",
    ]);
  });

  describe("refusals name the field", () => {
    const cases: [string, string, string][] = [
      ["an unknown chpasswd user", 'chpasswd: {users: [{name: nobody, type: text, password: "x"}]}\n', 'seed user-data: chpasswd.users[0].name: user "nobody" neither exists nor is created by users'],
      ["a chpasswd name Windows refuses", 'chpasswd: {users: [{name: "a|b", type: text, password: "x"}]}\n', "seed user-data: chpasswd.users[0].name: a Windows user name cannot contain"],
      ["`password` with no default user", 'users: [bob]\npassword: "x"\n', "seed user-data: password: sets the default user's password (on Windows the built-in Administrator)"],
      ["a NUL in a password", 'users: [{name: bob, plain_text_passwd: "a\\0b"}]\n', "seed user-data: users[0].plain_text_passwd: a password cannot contain a NUL character"],
    ];
    for (const [what, yaml, message] of cases) {
      test(what, async () => {
        const inputs = await inputsFrom(yaml);
        expect(refusal(() => planWindows(windowsPasswordsAction, inputs, windowsFacts()))).toStartWith(message);
      });
    }
  });

  test("offline: nothing set, no secret planned, a note; an account nobody could read is not refused", async () => {
    expect(windowsPasswordsAction.deferredWhenOffline).toBe(true);
    const inputs = await inputsFrom(ALL, { adminPassword: new Secret(ADMIN_PASS) });
    const facts = offlineWindowsFacts();
    expect(planWindows(windowsPasswordsAction, inputs, facts)).toEqual([]);
    const notes = windowsPasswordsAction.notes?.(inputs, facts) ?? [];
    expect(notes.at(-1)).toBe("passwords: kept for the target's first boot, since passwords live in the running Windows (--root): Administrator, bob, carol");
    expect(notes.join("\n")).not.toContain("pw");
    expectGolden("passwords/offline.txt", withNotes([], notes));
  });
});
