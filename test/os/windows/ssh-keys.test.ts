import { describe, expect, test } from "bun:test";
import { ADMIN_KEYS, windowsSshKeysAction } from "../../../src/os/windows/actions/ssh-keys.ts";
import type { Change } from "../../../src/plan/change.ts";
import { inputsFrom, refusal, text } from "../../actions/identity-helpers.ts";
import { expectGolden, formatChanges, offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

const SID = "S-1-5-21-1004336348-1177238915-682003330";
const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDjI";
const ECDSA = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY";
const OLD_ADMIN_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPreviouslyThere old@laptop";

/** formatChanges shows byte content by its size only: the key files' text follows, then the notes. */
function withNotes(changes: Change[], notes: string[] = []): string {
  const files = changes.flatMap((c) => (c.kind === "write" && c.content instanceof Uint8Array ? [`content of ${c.path}:\n${text(c.content).replace(/\n$/, "").split("\n").map((l) => `  | ${l}\n`).join("")}`] : []));
  return `${formatChanges(changes)}${files.join("")}${notes.length ? `notes:\n${notes.map((n) => `  ${n}\n`).join("")}` : ""}`;
}
const SSH_DIR = "/ProgramData/ssh/";
const runs = (changes: Change[]) => changes.flatMap((c) => (c.kind === "run" ? [c.argv] : []));
const writeOf = (changes: Change[], path: string) => {
  const c = changes.find((x) => x.kind === "write" && x.path === path);
  return c?.kind === "write" ? text(c.content) : undefined;
};

const MIXED = `
ssh_authorized_keys: ["${RSA} ops"]
users:
  - default
  - name: bob
    groups: [Administrators]
    ssh_authorized_keys: ["${ECDSA} bob", "${ED} cloud-again"]
  - name: carol
    ssh_authorized_keys: ["${ED} carol"]
  - name: dave
    ssh_authorized_keys: ["${RSA} dave", "${RSA} dave-twice"]
`;

describe("Windows SSH keys", () => {
  test("golden: admins share administrators_authorized_keys with its ACL; carol's profile file; dave's profile made by a script", async () => {
    const inputs = await inputsFrom(MIXED, { publicKeys: [`${ED} cloud`] });
    const files = { [SSH_DIR]: "", [ADMIN_KEYS]: `${OLD_ADMIN_KEY}\n`, "/Users/carol/.ssh/authorized_keys": "# carol's own\n" };
    const facts = windowsFacts();
    expect(windowsSshKeysAction.reads?.(inputs, facts)).toEqual([SSH_DIR, ADMIN_KEYS, "/Users/carol/.ssh/authorized_keys"]);
    const changes = planWindows(windowsSshKeysAction, inputs, facts, files);
    expectGolden("ssh-keys/online.txt", withNotes(changes, windowsSshKeysAction.notes?.(inputs, { ...facts, files })));
    // Kept, then each key once: bob's own first (as on Linux), the cloud's key given twice written once.
    expect(writeOf(changes, ADMIN_KEYS)).toBe(`${OLD_ADMIN_KEY}\n${ECDSA} bob\n${ED} cloud-again\n${RSA} ops\n`);
    expect(runs(changes).filter((argv) => argv[0] === "icacls.exe")).toEqual([
      ["icacls.exe", "C:\\ProgramData\\ssh\\administrators_authorized_keys", "/inheritance:r", "/grant", "*S-1-5-32-544:F", "/grant", "*S-1-5-18:F"],
      ["icacls.exe", "C:\\Users\\carol\\.ssh\\authorized_keys", "/inheritance:r", "/grant", `*${SID}-1001:F`, "/grant", "*S-1-5-18:F", "/grant", "*S-1-5-32-544:F"],
    ]);
    // Public keys are no secret: the script's input is shown, each key once.
    const script = changes.find((c) => c.kind === "run" && c.show === "powershell user-keys");
    expect(script?.kind === "run" && JSON.parse(String(script.input))).toEqual({ users: [{ user: { name: "dave" }, keys: [{ line: `${RSA} dave`, blob: RSA.split(" ")[1] }] }] });
  });

  test("no C:\\ProgramData\\ssh yet: made, then given sshd's own ACL before the key file goes in", async () => {
    const changes = planWindows(windowsSshKeysAction, await inputsFrom(null, { publicKeys: [`${ED} cloud`] }), windowsFacts());
    expect(changes.map((c) => (c.kind === "run" ? c.argv.join(" ") : `${c.kind} ${c.path}`))).toEqual([
      "mkdir /ProgramData/ssh",
      "icacls.exe C:\\ProgramData\\ssh /inheritance:r /grant *S-1-5-18:(OI)(CI)F /grant *S-1-5-32-544:(OI)(CI)F /grant *S-1-5-11:(OI)(CI)RX",
      `write ${ADMIN_KEYS}`,
      "icacls.exe C:\\ProgramData\\ssh\\administrators_authorized_keys /inheritance:r /grant *S-1-5-32-544:F /grant *S-1-5-18:F",
    ]);
  });

  test("offline: the files that need no running Windows are written; ACLs and new profiles wait, with notes", async () => {
    expect(windowsSshKeysAction.deferredWhenOffline).toBe(true);
    const inputs = await inputsFrom(MIXED, { publicKeys: [`${ED} cloud`] });
    const files = { [SSH_DIR]: "" };
    const facts = offlineWindowsFacts();
    const changes = planWindows(windowsSshKeysAction, inputs, facts, files);
    expectGolden("ssh-keys/offline.txt", withNotes(changes, windowsSshKeysAction.notes?.(inputs, { ...facts, files })));
    expect(runs(changes)).toEqual([]);
    expect(changes.map((c) => (c.kind === "run" ? c.argv[0] : c.path))).toEqual(["/ProgramData/ssh", ADMIN_KEYS]);
    // A profile the facts do know (an image whose accounts were read) gets its file, still without the ACL.
    const known = { ...offlineWindowsFacts({ users: windowsFacts().users }), files };
    const withProfile = planWindows(windowsSshKeysAction, inputs, known, files);
    expect(withProfile.map((c) => (c.kind === "run" ? c.argv[0] : c.path))).toEqual(["/ProgramData/ssh", ADMIN_KEYS, "/Users/carol/.ssh", "/Users/carol/.ssh/authorized_keys"]);
    expect(windowsSshKeysAction.notes?.(inputs, known)).toEqual([
      "ssh-keys: the ACLs sshd requires on administrators_authorized_keys, carol's authorized_keys are set at the target's first boot (--root: icacls needs the running Windows)",
      "ssh-keys: keys of dave are written at the target's first boot, once Windows has made their profile directories",
    ]);
    // No OpenSSH directory in the image: made here it would carry ProgramData's permissions, so nothing is written.
    expect(planWindows(windowsSshKeysAction, inputs, facts)).toEqual([]);
    expect(windowsSshKeysAction.notes?.(inputs, facts)?.[0]).toBe(
      "ssh-keys: administrators_authorized_keys is written at the target's first boot: C:\\ProgramData\\ssh is not there yet, and made under --root it would carry ProgramData's permissions instead of the ACL sshd needs",
    );
  });

  test("the cloud's keys go to the built-in Administrator even when users lists no default, and under its own name", async () => {
    const facts = windowsFacts({ users: [{ name: "cloudadmin", sid: `${SID}-500`, enabled: true, admin: true }] });
    const changes = planWindows(windowsSshKeysAction, await inputsFrom("users: [carol]\n", { publicKeys: [`${ED} cloud`] }), facts);
    expect(writeOf(changes, ADMIN_KEYS)).toBe(`${ED} cloud\n`);
    expect(changes.find((c) => c.kind === "write")?.reason).toBe("1 SSH key(s) for administrators cloudadmin: OpenSSH reads administrators' keys only from this file");
  });

  test("an existing admin's own keys go to the shared file, not to a profile sshd does not read for admins", async () => {
    const facts = windowsFacts();
    const inputs = await inputsFrom(`users:\n  - name: Administrator\n    ssh_authorized_keys: ["${ED} mine"]\n`);
    expect(windowsSshKeysAction.reads?.(inputs, facts)).toEqual([SSH_DIR, ADMIN_KEYS]);
    expect(planWindows(windowsSshKeysAction, inputs, facts, { [SSH_DIR]: "" }).map((c) => (c.kind === "run" ? c.argv.join(" ") : c.path))).toEqual([
      "/ProgramData/ssh",
      ADMIN_KEYS,
      "icacls.exe C:\\ProgramData\\ssh\\administrators_authorized_keys /inheritance:r /grant *S-1-5-32-544:F /grant *S-1-5-18:F",
    ]);
  });

  test("no keys anywhere: nothing; disable_root is a note, since Windows has no root", async () => {
    expect(planWindows(windowsSshKeysAction, await inputsFrom(null), windowsFacts())).toEqual([]);
    expect(windowsSshKeysAction.reads?.(await inputsFrom(null), windowsFacts())).toEqual([]);
    expect(windowsSshKeysAction.notes?.(await inputsFrom("disable_root: true\n"), windowsFacts())).toEqual([
      "ssh-keys: disable_root ignored on Windows (there is no root; the built-in Administrator's keys are administrators_authorized_keys)",
    ]);
  });

  test("a line that is not one key is refused, naming the field", async () => {
    const bad = await inputsFrom('users:\n  - name: carol\n    ssh_authorized_keys: ["not a key"]\n');
    expect(refusal(() => planWindows(windowsSshKeysAction, bad, windowsFacts()))).toStartWith("seed user-data: users[0].ssh_authorized_keys[0]: expected one SSH public key line");
    const cloud = await inputsFrom(null, { publicKeys: [`${ED} a\n${RSA} b`] });
    expect(refusal(() => planWindows(windowsSshKeysAction, cloud, windowsFacts()))).toStartWith("seed: public_keys[0]: expected one SSH public key line");
  });
});
