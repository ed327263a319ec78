import { describe, expect, test } from "bun:test";
import { Secret } from "../../../src/model/secret.ts";
import { windowsAccountsOf } from "../../../src/os/windows/accounts.ts";
import { randomPassword, windowsUsersAction } from "../../../src/os/windows/actions/users.ts";
import type { WindowsFacts } from "../../../src/os/windows/windows-facts.ts";
import type { Change } from "../../../src/plan/change.ts";
import { planJson } from "../../../src/plan/diff.ts";
import { inputsFrom, refusal } from "../../actions/identity-helpers.ts";
import { expectGolden, formatChanges, offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

const SID = "S-1-5-21-1004336348-1177238915-682003330";

interface Data {
  users: { name: string; fullName?: string; password: string }[];
  groups: string[];
  members: { user: Record<string, unknown>; group: Record<string, unknown> }[];
}

/** The run's stdin, which only the apply ever sees. */
function dataOf(changes: Change[]): Data {
  expect(changes).toHaveLength(1);
  const c = changes[0];
  if (c?.kind !== "run" || !(c.input instanceof Secret)) throw new Error("expected one run with a Secret input");
  return JSON.parse(c.input.reveal()) as Data;
}

const withNotes = (changes: Change[], notes: string[] = []) => `${changes.length ? formatChanges(changes) : "(no changes)\n"}${notes.length ? `notes:\n${notes.map((n) => `  ${n}\n`).join("")}` : ""}`;

const MIXED = `
groups:
  - ops
  - Administrators: [carol]
users:
  - default
  - name: bob
    gecos: Bob Builder
    groups: [administrators, ops]
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    shell: /bin/bash
  - name: Carol
    groups: ops
    lock_passwd: true
  - name: dave
`;

describe("Windows users", () => {
  test("golden: new users, a group, Administrators by SID, an existing user only joins what it misses", async () => {
    const inputs = await inputsFrom(MIXED);
    const facts = windowsFacts();
    const changes = planWindows(windowsUsersAction, inputs, facts);
    expectGolden("users/mixed.txt", withNotes(changes, windowsUsersAction.notes?.(inputs, facts)));
    const data = dataOf(changes);
    expect(data.users.map(({ password, ...u }) => u)).toEqual([{ name: "bob", fullName: "Bob Builder" }, { name: "dave" }]);
    expect(data.groups).toEqual(["ops"]);
    expect(data.members).toEqual([
      { user: { name: "bob" }, group: { sid: "S-1-5-32-544" } },
      { user: { name: "bob" }, group: { name: "ops" } },
      // carol exists: found by SID, however the cloud-config spells her.
      { user: { sid: `${SID}-1001` }, group: { name: "ops" } },
      { user: { sid: `${SID}-1001` }, group: { sid: "S-1-5-32-544" } },
    ]);
  });

  test("first passwords: 24 random characters of all four classes, none holding the name, different per user", async () => {
    const changes = planWindows(windowsUsersAction, await inputsFrom(MIXED), windowsFacts());
    const passwords = dataOf(changes).users.map((u) => u.password);
    for (const p of passwords) {
      expect(p).toHaveLength(24);
      for (const re of [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(p).toMatch(re);
    }
    expect(new Set(passwords).size).toBe(passwords.length);
    // A draw that holds the name (any case) is drawn again.
    const counter = () => {
      let n = 0;
      return (bytes: number) => Uint8Array.from({ length: bytes }, () => (n = (n * 37 + 11) & 0xff));
    };
    const first = randomPassword(counter(), []);
    const name = first.slice(5, 8).toLowerCase();
    const again = randomPassword(counter(), [name]);
    expect(again).not.toBe(first);
    expect(again.toLowerCase()).not.toContain(name);
  });

  test("secrets: no first password in the reason, the plan text or the plan's JSON", async () => {
    const changes = planWindows(windowsUsersAction, await inputsFrom(MIXED), windowsFacts());
    const shown = [formatChanges(changes), JSON.stringify(planJson({ instanceId: "iid-1", steps: [{ action: "users", changes }] })), JSON.stringify(changes)];
    for (const password of dataOf(changes).users.map((u) => u.password)) for (const text of shown) expect(text).not.toContain(password);
    expect(formatChanges(changes)).toContain("< (secret)");
  });

  test("users absent: only the built-in Administrator, which exists and is an admin: nothing to do", async () => {
    expect(planWindows(windowsUsersAction, await inputsFrom(null), windowsFacts())).toEqual([]);
    expect(planWindows(windowsUsersAction, await inputsFrom("users: [default]\ngroups: []\n"), windowsFacts())).toEqual([]);
    // An existing admin asked to be one again: nothing either.
    expect(planWindows(windowsUsersAction, await inputsFrom("users:\n  - name: administrator\n    groups: [Administrators]\n"), windowsFacts())).toEqual([]);
  });

  test("a renamed built-in Administrator is still the default user, found by RID 500 and joined by SID", async () => {
    const facts = windowsFacts({
      users: [
        { name: "cloudadmin", sid: `${SID}-500`, enabled: true, admin: true },
        { name: "Administrator", sid: `${SID}-1005`, enabled: true, admin: false },
      ],
    });
    const inputs = await inputsFrom("users:\n  - default\n  - name: CloudAdmin\n    groups: [ops]\n");
    const accounts = windowsAccountsOf(inputs, facts);
    expect(accounts.users.map((u) => [u.name, u.isDefault, u.builtin, u.admin])).toEqual([["cloudadmin", true, true, true]]);
    const data = dataOf(planWindows(windowsUsersAction, inputs, facts));
    expect(data.users).toEqual([]);
    expect(data.members).toEqual([{ user: { sid: `${SID}-500` }, group: { name: "ops" } }]);
    // The account called "Administrator" is someone else: listing it does not make it an admin.
    expect(windowsAccountsOf(await inputsFrom("users: [Administrator]\n"), facts).users[0]).toMatchObject({ builtin: false, admin: false, ref: { sid: `${SID}-1005` } });
  });

  test("a localized Administrators group is recognised by its local name too, and joined by SID", async () => {
    const facts = windowsFacts({ adminGroup: "Administrateurs" });
    const inputs = await inputsFrom("users:\n  - name: zoe\n    groups: [Administrateurs]\n");
    expect(windowsAccountsOf(inputs, facts).find("ZOE")?.admin).toBe(true);
    const changes = planWindows(windowsUsersAction, inputs, facts);
    expect(dataOf(changes).members).toEqual([{ user: { name: "zoe" }, group: { sid: "S-1-5-32-544" } }]);
    expect(changes[0]?.reason).toBe("user zoe (users[0]) from cloud-config; zoe joins Administrateurs");
  });

  test("Linux-only settings are ignored with a note naming the user and the key, never refused", async () => {
    const inputs = await inputsFrom("users:\n  - name: eve\n    uid: 1500\n    homedir: /home/eve\n    no_create_home: true\n    system: false\n    primary_group: eve\n");
    expect(windowsUsersAction.notes?.(inputs, windowsFacts())).toEqual([
      'users: users[0] (eve): "homedir" ignored on Windows (Windows makes the profile directory itself)',
      'users: users[0] (eve): "uid" ignored on Windows (Windows gives each account its own SID)',
      'users: users[0] (eve): "primary_group" ignored on Windows (Windows accounts have no primary group)',
      'users: users[0] (eve): "system" ignored on Windows (Windows has no system accounts to create)',
      'users: users[0] (eve): "no_create_home" ignored on Windows (Windows makes the profile directory at the first logon)',
    ]);
    expect(dataOf(planWindows(windowsUsersAction, inputs, windowsFacts())).users.map((u) => u.name)).toEqual(["eve"]);
  });

  describe("refusals name the field", () => {
    const cases: [string, string, string][] = [
      ["a user name over 20 characters", "users: [abcdefghijklmnopqrstu]\n", 'seed user-data: users[0].name: a Windows user name has at most 20 characters, this one 21, got "abcdefghijklmnopqrstu"'],
      ["a forbidden character", "users: [{name: 'bob@corp'}]\n", "seed user-data: users[0].name: a Windows user name cannot contain any of"],
      ["only dots and spaces", "users: [{name: '. .'}]\n", 'seed user-data: users[0].name: a Windows user name cannot be only dots and spaces, got ". ."'],
      ["a control character", 'users: [{name: "a\\tb"}]\n', "seed user-data: users[0].name: must not contain control characters"],
      ["a trailing dot", "users: [{name: 'bob.'}]\n", "seed user-data: users[0].name: a Windows user name cannot end with a dot"],
      ["a bad group of a user", "users: [{name: bob, groups: ['a/b']}]\n", "seed user-data: users[0].groups[0]: a Windows group name cannot contain"],
      ["a bad top-level group", "groups: ['x;y']\n", "seed user-data: groups[0]: a Windows group name cannot contain"],
      ["a bad member", "groups: [{ops: ['a*']}]\n", "seed user-data: groups[0].ops[0]: a Windows user name cannot contain"],
      ["a group named like a user", "users: [bob]\ngroups: [Carol]\n", 'seed user-data: groups[0]: "Carol" is a user\'s name: Windows users and groups share one namespace'],
      ["a user's group named like a user", "users: [{name: bob, groups: [BOB]}]\n", 'seed user-data: users[0].groups[0]: "BOB" is a user\'s name'],
      ["a user named like Administrators", "users: [administrators]\n", 'seed user-data: users[0].name: "administrators" is the Administrators group\'s name'],
      ["one user twice in two cases", "users: [bob, BOB]\n", 'seed user-data: users[1].name: user "BOB" is given twice (Windows names ignore case)'],
      ["a control character in gecos", 'users: [{name: bob, gecos: "Bob\\nB"}]\n', "seed user-data: users[0].gecos: must not contain control characters"],
      ["an unknown member", "groups: [{ops: [nobody]}]\n", 'seed user-data: groups[0].ops[0]: user "nobody" neither exists nor is created by users'],
    ];
    for (const [what, yaml, message] of cases) {
      test(what, async () => {
        const inputs = await inputsFrom(yaml);
        expect(refusal(() => planWindows(windowsUsersAction, inputs, windowsFacts()))).toStartWith(message);
      });
    }
    test("a name of exactly 20 characters, spaces and non-ASCII are fine", async () => {
      const inputs = await inputsFrom("users: [abcdefghijklmnopqrst, {name: 'Zoë Martin', groups: ['Remote Desktop Users']}]\n");
      expect(dataOf(planWindows(windowsUsersAction, inputs, windowsFacts())).users.map((u) => u.name)).toEqual(["abcdefghijklmnopqrst", "Zoë Martin"]);
    });
  });

  test("offline: nothing runs, the first boot does it all, and bad input still stops the boot", async () => {
    expect(windowsUsersAction.deferredWhenOffline).toBe(true);
    const inputs = await inputsFrom(MIXED);
    const facts: WindowsFacts = offlineWindowsFacts();
    expect(planWindows(windowsUsersAction, inputs, facts)).toEqual([]);
    const notes = windowsUsersAction.notes?.(inputs, facts) ?? [];
    expect(notes.at(-1)).toBe(
      "users: kept for the target's first boot, since accounts live in the running Windows (--root): users bob (users[1]), Carol (users[2]), dave (users[3]) from cloud-config; group ops where missing; bob joins Administrators, ops; Carol joins ops, Administrators",
    );
    // Members are not checked against accounts nobody read; names are.
    const bad = await inputsFrom('users: [{name: "a:b"}]\n');
    expect(planWindows(windowsUsersAction, await inputsFrom("groups: [{ops: [nobody]}]\n"), facts)).toEqual([]);
    expect(refusal(() => planWindows(windowsUsersAction, bad, facts))).toStartWith("seed user-data: users[0].name: a Windows user name cannot contain");
    expect(windowsUsersAction.notes?.(await inputsFrom(null), facts)).toEqual([]);
    expectGolden("users/offline.txt", withNotes(planWindows(windowsUsersAction, inputs, facts), notes));
  });

  test("an entry named like the built-in Administrator refines the default user, in either order, and is never created", async () => {
    for (const yaml of ["users:\n  - name: administrator\n    groups: [ops]\n  - default\n", "users:\n  - default\n  - name: ADMINISTRATOR\n    groups: [ops]\n"]) {
      const inputs = await inputsFrom(yaml);
      for (const facts of [windowsFacts(), offlineWindowsFacts()]) {
        const accounts = windowsAccountsOf(inputs, facts);
        expect(accounts.users).toHaveLength(1);
        expect(accounts.users[0]).toMatchObject({ path: yaml.indexOf("default") < yaml.indexOf("name") ? "users[1]" : "users[0]", isDefault: true, builtin: true, admin: true, spec: { groups: ["ops"] } });
        expect(accounts.users[0]?.ref).toEqual(facts.offline ? { builtin: true } : { sid: `${SID}-500` });
      }
      expect(dataOf(planWindows(windowsUsersAction, inputs, windowsFacts())).users).toEqual([]);
    }
  });
});
