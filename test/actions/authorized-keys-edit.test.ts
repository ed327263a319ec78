import { describe, expect, test } from "bun:test";
import { authorizedKeysEditAction, editedKeys, keyLineProblem, type KeysEdit } from "../../src/actions/authorized-keys-edit.ts";
import type { Change } from "../../src/plan/change.ts";
import { factsFor, inputsFrom, plan, refusal } from "./identity-helpers.ts";

const ED_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const ED_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCcccccccccccccccccccc";
const CAROL_KEYS = "/home/carol/.ssh/authorized_keys";
/** carol's home exists (the "dir/" read says so), as the facts gatherer reports it. */
const HOME = { "/home/carol/": "" };

async function planEdit(edit: KeysEdit, files: Record<string, string> = {}): Promise<Change[]> {
  return plan(authorizedKeysEditAction(edit), await inputsFrom(null), factsFor(), { ...HOME, ...files });
}

function written(changes: Change[]): string {
  const w = changes.find((c) => c.kind === "write");
  if (w?.kind !== "write" || !(w.content instanceof Uint8Array)) throw new Error("no write with bytes");
  return Buffer.from(w.content).toString("latin1");
}

describe("authorized-keys edit planner", () => {
  test("reads the home (as a directory) and the file; plans ~/.ssh 0700 and the file 0600, both the user's", async () => {
    const action = authorizedKeysEditAction({ user: "carol", add: [ED_A] });
    expect(action.reads?.(await inputsFrom(null), factsFor())).toEqual(["/home/carol/", CAROL_KEYS]);
    const changes = await planEdit({ user: "carol", add: [`${ED_A} carol@laptop`] });
    expect(changes.map((c) => (c.kind === "run" ? c.argv : [c.kind, c.path, "mode" in c ? c.mode : null, "owner" in c ? c.owner : null]))).toEqual([
      ["mkdir", "/home/carol/.ssh", 0o700, { user: "carol", group: "carol" }],
      ["write", CAROL_KEYS, 0o600, { user: "carol", group: "carol" }],
    ]);
    expect(written(changes)).toBe(`${ED_A} carol@laptop\n`);
  });

  test("add keeps every line there (comments, options, unknown key types) and appends new keys once", async () => {
    const current = `# managed by hand\ncommand="/bin/true" ${RSA} old\nalgo key1 comments\n`;
    const out = written(await planEdit({ user: "carol", add: [ED_A, ED_B, ED_A, "algo key1 comments"] }, { [CAROL_KEYS]: current }));
    expect(out).toBe(`${current}${ED_A}\n${ED_B}\n`);
  });

  test("add of a key already there with another comment or options replaces that line in place", async () => {
    const current = `${ED_A} old-comment\n${RSA} keep\n`;
    const out = written(await planEdit({ user: "carol", add: [`from="10.0.0.0/8" ${ED_A} new-comment`] }, { [CAROL_KEYS]: current }));
    expect(out).toBe(`from="10.0.0.0/8" ${ED_A} new-comment\n${RSA} keep\n`);
  });

  test("reset drops everything, comments included, for the given keys only; reset with none empties the file", async () => {
    const current = `# note\n${RSA}\n${ED_A}\n`;
    expect(written(await planEdit({ user: "carol", add: [ED_B, ED_B], reset: true }, { [CAROL_KEYS]: current }))).toBe(`${ED_B}\n`);
    expect(written(await planEdit({ user: "carol", add: [], reset: true }, { [CAROL_KEYS]: current }))).toBe("");
    // A reset writes even where there was no file.
    expect(written(await planEdit({ user: "carol", add: [], reset: true }))).toBe("");
  });

  test("remove drops every line holding the key (exact, or the same blob with other options), keeps the rest", async () => {
    const current = `${ED_A} one\n# ${ED_B} in a comment stays\n${ED_B}\nno-pty ${ED_B} again\nalgo key1 comments\n`;
    const out = written(await planEdit({ user: "carol", remove: [`${ED_B} whatever`, "algo key1 comments"] }, { [CAROL_KEYS]: current }));
    expect(out).toBe(`${ED_A} one\n# ${ED_B} in a comment stays\n`);
  });

  test("remove from a file that does not exist changes nothing (qemu-ga succeeds then)", async () => {
    expect(await planEdit({ user: "carol", remove: [ED_A] })).toEqual([]);
  });

  test("bytes that are not UTF-8 in the file survive byte for byte; a new key's UTF-8 comment is written as UTF-8", async () => {
    const current = `${RSA} caf\xe9\n`; // latin1 é, as facts hold a non-UTF-8 file
    const out = written(await planEdit({ user: "carol", add: [`${ED_A} zoë`] }, { [CAROL_KEYS]: current }));
    expect(Buffer.from(out, "latin1")).toEqual(Buffer.concat([Buffer.from(`${RSA} caf`), Buffer.from([0xe9]), Buffer.from(`\n${ED_A} zo`), Buffer.from("ë\n", "utf8")]));
  });

  test("root's keys go to /root/.ssh, owned by root", async () => {
    const changes = plan(authorizedKeysEditAction({ user: "root", add: [ED_A] }), await inputsFrom(null), factsFor(), { "/root/": "" });
    expect(changes.map((c) => [c.kind, c.kind === "run" ? c.argv : c.path, "owner" in c ? c.owner : undefined])).toEqual([
      ["mkdir", "/root/.ssh", { user: "root", group: "root" }],
      ["write", "/root/.ssh/authorized_keys", { user: "root", group: "root" }],
    ]);
  });

  test("refusals: an unknown user, a home that does not exist, a key that is not one line", async () => {
    const inputs = await inputsFrom(null);
    expect(refusal(() => plan(authorizedKeysEditAction({ user: "mallory", add: [ED_A] }), inputs, factsFor(), {}))).toContain('user: no user "mallory"');
    expect(refusal(() => plan(authorizedKeysEditAction({ user: "carol", add: [ED_A] }), inputs, factsFor(), {}))).toContain("the home directory /home/carol of carol does not exist");
    expect(refusal(() => plan(authorizedKeysEditAction({ user: "carol", add: [ED_A, `${ED_B}\n${RSA}`] }), inputs, factsFor(), HOME))).toContain("add[1]: invalid OpenSSH public key");
    expect(refusal(() => plan(authorizedKeysEditAction({ user: "carol", remove: ["# not a key"] }), inputs, factsFor(), HOME))).toContain("remove[0]");
  });

  test("keyLineProblem: qemu-ga's check (no '#' first, no newline), plus CR, NUL, blank and size", () => {
    expect(keyLineProblem(ED_A)).toBeNull();
    expect(keyLineProblem("algo key1 comments")).toBeNull();
    expect(keyLineProblem("#ssh-rsa AAAA")).toContain("comment");
    expect(keyLineProblem(`${ED_A}\n`)).toContain("one line");
    expect(keyLineProblem(`${ED_A}\r`)).toContain("one line");
    expect(keyLineProblem(`${ED_A}\0`)).toContain("one line");
    expect(keyLineProblem("   ")).toContain("empty");
    expect(keyLineProblem(`ssh-rsa ${"A".repeat(70_000)}`)).toContain("longer");
  });

  test("editedKeys: a file without a final newline gets one; CRLF lines still match for removal", () => {
    expect(editedKeys(`${ED_A}`, { user: "x", add: [ED_B] })).toBe(`${ED_A}\n${ED_B}\n`);
    expect(editedKeys(`${ED_A}\r\n${ED_B}\r\n`, { user: "x", remove: [ED_A] })).toBe(`${ED_B}\r\n`);
  });
});
