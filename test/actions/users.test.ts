import { describe, expect, test } from "bun:test";
import { SUDOERS_FILE, usersAction } from "../../src/actions/users.ts";
import type { Change } from "../../src/plan/change.ts";
import { factsFor, inputsFrom, plan, refusal } from "./identity-helpers.ts";

const SUDOERS = { "/etc/sudoers": "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n" };
const runs = (changes: Change[]) => changes.flatMap((c) => (c.kind === "run" ? [c.argv] : []));
const writes = (changes: Change[]): Record<string, unknown>[] => changes.flatMap((c): Record<string, unknown>[] => (c.kind === "write" ? [{ path: c.path, content: c.content, mode: c.mode, owner: c.owner }] : c.kind === "mkdir" ? [{ mkdir: c.path, mode: c.mode }] : []));

describe("users action", () => {
  test("no users key: cloud-init's default user for the distribution, missing groups made first", async () => {
    const changes = plan(usersAction, await inputsFrom("hostname: x\n"), factsFor(), SUDOERS);
    expect(runs(changes)).toEqual([
      ...["audio", "cdrom", "dialout", "dip", "floppy", "netdev", "plugdev", "video"].map((g) => ["groupadd", g]),
      ["useradd", "-c", "Debian", "-G", "adm,audio,cdrom,dialout,dip,floppy,netdev,plugdev,sudo,video", "-s", "/bin/bash", "-m", "debian"],
    ]);
    expect(writes(changes)).toEqual([
      { path: SUDOERS_FILE, content: "# Written by Tether from the instance's cloud-config (users[].sudo).\n\n# User rules for debian\ndebian ALL=(ALL) NOPASSWD:ALL\n", mode: 0o440, owner: { user: "root", group: "root" } },
    ]);
  });

  test("a distribution with no known default user: nothing implied, and an explicit default is refused", async () => {
    expect(plan(usersAction, await inputsFrom(null), factsFor({ os: "mystery" }))).toEqual([]);
    const inputs = await inputsFrom("users: [default]\n");
    expect(refusal(() => plan(usersAction, inputs, factsFor({ os: "mystery" })))).toBe(
      'seed user-data: users[0]: "default" is the distribution\'s own default user, and "mystery" has none known to Tether; name the user instead',
    );
  });

  test("offline: groups, new users with every setting, an existing user only joins what it misses", async () => {
    const inputs = await inputsFrom(`
groups:
  - ci
  - ops: [alice, carol]
users:
  - name: alice
    gecos: Alice A.
    groups: [adm, ops, ci]
    shell: /bin/zsh
    uid: 1500
    sudo: ["ALL=(ALL) NOPASSWD:ALL", "ALL=(root) /usr/bin/true"]
  - name: svc
    system: true
    primary_group: ci
    homedir: /srv/svc
  - name: carol
    groups: [sudo, ops]
    no_create_home: true
  - name: dave
    no_create_home: true
`);
    const changes = plan(usersAction, inputs, factsFor({ root: "/mnt/img" }), SUDOERS);
    expect(runs(changes)).toEqual([
      ["groupadd", "-R", "/mnt/img", "ci"],
      ["useradd", "-R", "/mnt/img", "-c", "Alice A.", "-G", "adm,ops,ci", "-s", "/bin/zsh", "-u", "1500", "-m", "alice"],
      ["useradd", "-R", "/mnt/img", "-d", "/srv/svc", "-g", "ci", "-r", "-M", "svc"],
      ["useradd", "-R", "/mnt/img", "-M", "dave"],
      ["usermod", "-R", "/mnt/img", "-a", "-G", "sudo", "carol"],
    ]);
    expect(writes(changes)[0]?.content).toBe("# Written by Tether from the instance's cloud-config (users[].sudo).\n\n# User rules for alice\nalice ALL=(ALL) NOPASSWD:ALL\nalice ALL=(root) /usr/bin/true\n");
  });

  test("an existing user already in every group: nothing to run", async () => {
    expect(plan(usersAction, await inputsFrom("users:\n  - name: carol\n    groups: [ops]\n"), factsFor(), SUDOERS)).toEqual([]);
  });

  test("a group already named like a new user: useradd joins it instead of failing", async () => {
    const changes = plan(usersAction, await inputsFrom("users: [ops]\n"), factsFor());
    expect(runs(changes)).toEqual([["useradd", "-g", "ops", "-m", "ops"]]);
  });

  test("alpine: busybox adduser -D and addgroup, through chroot offline", async () => {
    const inputs = await inputsFrom("users:\n  - name: al\n    groups: [wheel, ops]\n    shell: /bin/ash\n  - name: carol\n    groups: [wheel]\n");
    const group = "root:x:0:\nwheel:x:10:root\ncarol:x:1000:\n";
    const passwd = "root:x:0:0:root:/root:/bin/ash\ncarol:x:1000:1000::/home/carol:/bin/ash\n";
    expect(runs(plan(usersAction, inputs, factsFor({ os: "alpine", group, passwd })))).toEqual([
      ["addgroup", "ops"],
      ["adduser", "-D", "-s", "/bin/ash", "al"],
      ["addgroup", "al", "wheel"],
      ["addgroup", "al", "ops"],
      ["addgroup", "carol", "wheel"],
    ]);
    expect(runs(plan(usersAction, inputs, factsFor({ os: "alpine", group, passwd, root: "/img" })))[1]).toEqual(["chroot", "/img", "adduser", "-D", "-s", "/bin/ash", "al"]);
  });

  test("sudoers without sudo.d included gets the include; no sudoers at all gets the directory", async () => {
    const inputs = await inputsFrom("users:\n  - name: al\n    sudo: ALL=(ALL) ALL\n");
    const old = writes(plan(usersAction, inputs, factsFor(), { "/etc/sudoers": "root ALL=(ALL) ALL" }));
    expect(old[0]).toEqual({ path: "/etc/sudoers", content: "root ALL=(ALL) ALL\n@includedir /etc/sudoers.d\n", mode: 0o440, owner: { user: "root", group: "root" } });
    expect(writes(plan(usersAction, inputs, factsFor()))[0]).toEqual({ mkdir: "/etc/sudoers.d", mode: 0o750 });
  });

  test("unsafe names and fields are refused, naming the field, before any change", async () => {
    const cases: [string, string][] = [
      ['users:\n  - name: "bad\\nname"\n', 'seed user-data: users[0].name: expected a user name'],
      ['users:\n  - name: "a:b"\n', "seed user-data: users[0].name: expected a user name"],
      ['users:\n  - name: "-rf"\n', "seed user-data: users[0].name: expected a user name"],
      ['users:\n  - name: ok\n    gecos: "x:0:0"\n', "seed user-data: users[0].gecos: must not contain ':'"],
      ['users:\n  - name: ok\n    homedir: home/ok\n', "seed user-data: users[0].homedir: expected an absolute path"],
      ['users:\n  - name: ok\n    groups: ["a b"]\n', "seed user-data: users[0].groups[0]: expected a group name"],
      ['users:\n  - name: ok\n    sudo: "ALL=(ALL) ALL\\nevil ALL=(ALL) NOPASSWD: ALL"\n', "seed user-data: users[0].sudo: expected one sudoers rule on one line"],
      ['users:\n  - name: ok\n    sudo: ["ALL=(ALL) ALL", "ALL \\\\"]\n', "seed user-data: users[0].sudo[1]: expected one sudoers rule"],
      ["groups:\n  - ops: [ghost]\n", 'seed user-data: groups[0].ops[0]: user "ghost" neither exists nor is created by users'],
    ];
    for (const [yaml, message] of cases) {
      const inputs = await inputsFrom(yaml);
      expect(refusal(() => plan(usersAction, inputs, factsFor(), SUDOERS))).toStartWith(message);
    }
  });
});
