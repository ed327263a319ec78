import { describe, expect, test } from "bun:test";
import { disableRootOptions, sshKeysAction } from "../../src/actions/ssh-keys.ts";
import type { Change } from "../../src/plan/change.ts";
import { factsFor, inputsFrom, plan, refusal, text } from "./identity-helpers.ts";

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDjI";
const NOT_DEFAULT = "users: [carol]\n";

function summary(changes: Change[]) {
  return changes.map((c) =>
    c.kind === "write" ? { write: c.path, content: text(c.content), mode: c.mode, owner: c.owner } : c.kind === "mkdir" ? { mkdir: c.path, mode: c.mode, owner: c.owner } : c,
  );
}

describe("ssh-keys action", () => {
  test("cloud-init's disabled-root text, exactly", () => {
    expect(disableRootOptions("debian")).toBe(
      `no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo 'Please login as the user \\"debian\\" rather than the user \\"root\\".';echo;sleep 10;exit 142"`,
    );
  });

  test("cloud keys go to the default user, and to root behind the log-in-as message", async () => {
    const inputs = await inputsFrom(null, { publicKeys: [`${ED} cloud`, `  ${ED} same-key-again  `] });
    expect(sshKeysAction.reads?.(inputs, factsFor())).toEqual(["/home/debian/.ssh/authorized_keys", "/root/.ssh/authorized_keys"]);
    expect(summary(plan(sshKeysAction, inputs, factsFor()))).toEqual([
      { mkdir: "/home/debian/.ssh", mode: 0o700, owner: { user: "debian", group: "debian" } },
      { write: "/home/debian/.ssh/authorized_keys", content: `${ED} cloud\n`, mode: 0o600, owner: { user: "debian", group: "debian" } },
      { mkdir: "/root/.ssh", mode: 0o700, owner: { user: "root", group: "root" } },
      { write: "/root/.ssh/authorized_keys", content: `${disableRootOptions("debian")} ${ED} cloud\n`, mode: 0o600, owner: { user: "root", group: "root" } },
    ]);
  });

  test("no default user: root gets the keys as they are, unless disable_root says otherwise", async () => {
    const plain = await inputsFrom(`${NOT_DEFAULT}ssh_authorized_keys: ["${RSA} ops"]\n`, { publicKeys: [`${ED} cloud`] });
    expect(summary(plan(sshKeysAction, plain, factsFor()))).toEqual([
      { mkdir: "/root/.ssh", mode: 0o700, owner: { user: "root", group: "root" } },
      { write: "/root/.ssh/authorized_keys", content: `${ED} cloud\n${RSA} ops\n`, mode: 0o600, owner: { user: "root", group: "root" } },
    ]);
    const closed = await inputsFrom(`${NOT_DEFAULT}disable_root: true\n`, { publicKeys: [`${ED} cloud`] });
    expect(summary(plan(sshKeysAction, closed, factsFor()))[1]).toMatchObject({ content: `${disableRootOptions("NONE")} ${ED} cloud\n` });
    const open = await inputsFrom("disable_root: false\n", { publicKeys: [`${ED} cloud`] });
    expect(summary(plan(sshKeysAction, open, factsFor()))[3]).toMatchObject({ content: `${ED} cloud\n` });
  });

  test("a user's own keys: home from passwd for an existing user, the planned home for a new one", async () => {
    const inputs = await inputsFrom(`users:
  - name: carol
    ssh_authorized_keys: ["${ED} carol"]
  - name: eve
    homedir: /srv/eve
    primary_group: staff
    ssh_authorized_keys: ['from="10.0.0.0/8",no-pty ${RSA} eve']
`);
    const passwd = "root:x:0:0:root:/root:/bin/bash\ncarol:x:1000:1000:Carol:/data/carol/:/bin/sh\n";
    expect(summary(plan(sshKeysAction, inputs, factsFor({ passwd })))).toEqual([
      { mkdir: "/data/carol/.ssh", mode: 0o700, owner: { user: "carol", group: "carol" } },
      { write: "/data/carol/.ssh/authorized_keys", content: `${ED} carol\n`, mode: 0o600, owner: { user: "carol", group: "carol" } },
      { mkdir: "/srv/eve/.ssh", mode: 0o700, owner: { user: "eve", group: "staff" } },
      { write: "/srv/eve/.ssh/authorized_keys", content: `from="10.0.0.0/8",no-pty ${RSA} eve\n`, mode: 0o600, owner: { user: "eve", group: "staff" } },
    ]);
  });

  test("keys already there are kept; one with the same key is replaced in place; nothing written twice", async () => {
    const existing = `# my keys\n${RSA} old-comment\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeep keep\n${RSA} dup\n`;
    const inputs = await inputsFrom(`users:\n  - name: carol\n    ssh_authorized_keys: ["${RSA} new-comment", "${ED} new"]\n`);
    const changes = plan(sshKeysAction, inputs, factsFor(), { "/home/carol/.ssh/authorized_keys": existing });
    expect(summary(changes)[1]).toMatchObject({ content: `# my keys\n${RSA} new-comment\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeep keep\n${ED} new\n` });
  });

  test("bytes that are not UTF-8 in an existing file are kept byte for byte", async () => {
    const inputs = await inputsFrom(`users:\n  - name: carol\n    ssh_authorized_keys: ["${ED} clé"]\n`);
    const latin1 = `${RSA} Jos\xe9\n`; // an ISO-8859-1 é, as the facts gatherer reads it
    const change = plan(sshKeysAction, inputs, factsFor(), { "/home/carol/.ssh/authorized_keys": latin1 })[1];
    const bytes = change?.kind === "write" ? (change.content as Uint8Array) : new Uint8Array();
    const expected = [...Array.from(latin1, (c) => c.charCodeAt(0)), ...new TextEncoder().encode(`${ED} clé\n`)];
    expect([...bytes]).toEqual(expected);
  });

  test("anything that is not one key line is refused, naming the field", async () => {
    const cases: [string, object, string][] = [
      [`users:\n  - name: carol\n    ssh_authorized_keys: ["${ED} a\\n${RSA} b"]\n`, {}, "seed user-data: users[0].ssh_authorized_keys[0]: expected one SSH public key line"],
      ['ssh_authorized_keys: ["not a key"]\n', {}, "seed user-data: ssh_authorized_keys[0]: expected one SSH public key line"],
      ['ssh_authorized_keys: ["# just a comment"]\n', {}, "seed user-data: ssh_authorized_keys[0]: expected one SSH public key line"],
      ["hostname: x\n", { publicKeys: [`${ED} ok`, "ssh-rsa not*base64"] }, "seed: public_keys[1]: expected one SSH public key line"],
      ["hostname: x\n", { publicKeys: [`command="x" ${ED.replace("ssh-ed25519", "ssh-foo")}`] }, "seed: public_keys[0]: expected one SSH public key line"],
    ];
    for (const [yaml, extra, message] of cases) {
      const inputs = await inputsFrom(yaml, extra);
      expect(refusal(() => plan(sshKeysAction, inputs, factsFor()))).toStartWith(message);
    }
  });
});
