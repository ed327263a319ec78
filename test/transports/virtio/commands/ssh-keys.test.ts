import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SSH_KEYS_COMMANDS } from "../../../../src/transports/virtio/commands/ssh-keys.ts";
import { ALICE, call, cleanTemps, contextFor, realHost, targetRoot } from "./qga-test-context.ts";

afterAll(cleanTemps);

const K1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOneOneOneOneOneOneOneOneOneOneOneOneOne1 one@host";
const K2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITwoTwoTwoTwoTwoTwoTwoTwoTwoTwoTwoTwoTwo2 two@host";
const K3 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYThree three@host";

async function setup() {
  const root = targetRoot();
  const host = await realHost(root);
  const ctx = contextFor(host);
  const qga = (execute: string, args: unknown) => call(ctx, SSH_KEYS_COMMANDS, execute, args);
  return { root, host, qga, keysFile: join(root, "home/alice/.ssh/authorized_keys") };
}

const descOf = (outcome: unknown) => (outcome as { error?: { desc: string } }).error?.desc ?? "";

describe("guest-ssh-*-authorized-keys on a --root tree", () => {
  test("add creates ~/.ssh 0700 and the file 0600, both alice's; get reads the keys back (last line first, as qemu-ga)", async () => {
    const { root, qga, keysFile } = await setup();
    expect(await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: [K1, K2] })).toEqual({ return: {} });
    expect(readFileSync(keysFile, "utf8")).toBe(`${K1}\n${K2}\n`);
    const dir = statSync(join(root, "home/alice/.ssh"));
    const file = statSync(keysFile);
    expect([dir.mode & 0o777, dir.uid, dir.gid]).toEqual([0o700, ALICE.uid, ALICE.gid]);
    expect([file.mode & 0o777, file.uid, file.gid]).toEqual([0o600, ALICE.uid, ALICE.gid]);
    expect(await qga("guest-ssh-get-authorized-keys", { username: "alice" })).toEqual({ return: { keys: [K2, K1] } });
  });

  test("add again: keys already there are not repeated, others are appended; reset keeps only the given keys", async () => {
    const { qga, keysFile } = await setup();
    await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: [K1] });
    await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: [K1, K3] });
    expect(readFileSync(keysFile, "utf8")).toBe(`${K1}\n${K3}\n`);
    expect(await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: [K2], reset: true })).toEqual({ return: {} });
    expect(readFileSync(keysFile, "utf8")).toBe(`${K2}\n`);
    expect(await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: [], reset: true })).toEqual({ return: {} });
    expect(readFileSync(keysFile, "utf8")).toBe("");
    expect(await qga("guest-ssh-get-authorized-keys", { username: "alice" })).toEqual({ return: { keys: [] } });
  });

  test("remove drops the key and keeps comments and other keys; get skips comments and blank lines", async () => {
    const { root, qga, keysFile } = await setup();
    mkdirSync(join(root, "home/alice/.ssh"), { mode: 0o700 });
    writeFileSync(keysFile, `# alice's own note\n${K1}\n\n   ${K2}   \n${K3}\n`, { mode: 0o600 });
    expect(await qga("guest-ssh-remove-authorized-keys", { username: "alice", keys: [K1, K3] })).toEqual({ return: {} });
    expect(readFileSync(keysFile, "utf8")).toBe(`# alice's own note\n\n   ${K2}   \n`);
    expect(await qga("guest-ssh-get-authorized-keys", { username: "alice" })).toEqual({ return: { keys: [K2] } });
  });

  test("remove with no file succeeds and creates nothing; get with no file is qemu-ga's read error", async () => {
    const { root, qga } = await setup();
    expect(await qga("guest-ssh-remove-authorized-keys", { username: "alice", keys: [K1] })).toEqual({ return: {} });
    expect(existsSync(join(root, "home/alice/.ssh"))).toBe(false);
    expect(await qga("guest-ssh-get-authorized-keys", { username: "alice" })).toEqual({
      error: { class: "GenericError", desc: "failed to read '/home/alice/.ssh/authorized_keys': No such file or directory" },
    });
  });

  test("an unknown user: GenericError naming the user, for get, add and remove", async () => {
    const { root, qga } = await setup();
    for (const [execute, args] of [
      ["guest-ssh-get-authorized-keys", { username: "mallory" }],
      ["guest-ssh-add-authorized-keys", { username: "mallory", keys: [K1] }],
      ["guest-ssh-remove-authorized-keys", { username: "mallory", keys: [K1] }],
    ] as const) {
      expect(await qga(execute, args)).toEqual({ error: { class: "GenericError", desc: "failed to lookup user 'mallory': no such user" } });
    }
    expect(existsSync(join(root, "home/mallory"))).toBe(false);
  });

  test("a key that is not one line, or a comment, is refused before anything is written", async () => {
    const { qga, keysFile } = await setup();
    expect(descOf(await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: [K1, `${K2}\n${K3}`] }))).toStartWith("invalid OpenSSH public key: '");
    expect(descOf(await qga("guest-ssh-remove-authorized-keys", { username: "alice", keys: ["# x"] }))).toStartWith("invalid OpenSSH public key: '# x'");
    expect(existsSync(keysFile)).toBe(false);
  });

  test("alice's authorized_keys as a symlink to the shadow file: refused, the link and shadow left alone", async () => {
    const { root, qga, keysFile } = await setup();
    mkdirSync(join(root, "home/alice/.ssh"), { mode: 0o700 });
    symlinkSync("/etc/shadow", keysFile);
    const shadow = readFileSync(join(root, "etc/shadow"), "utf8");
    const outcome = await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: [K1] });
    expect(descOf(outcome)).toContain("is a symlink");
    expect(lstatSync(keysFile).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toBe(shadow);
  });

  test("root's keys: /root/.ssh, owned by root; a group- and world-readable ~/.ssh is made 0700", async () => {
    const { root, qga } = await setup();
    mkdirSync(join(root, "root/.ssh"), { mode: 0o755 });
    expect(await qga("guest-ssh-add-authorized-keys", { username: "root", keys: [K3] })).toEqual({ return: {} });
    expect(statSync(join(root, "root/.ssh")).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(root, "root/.ssh/authorized_keys"), "utf8")).toBe(`${K3}\n`);
    expect(statSync(join(root, "root/.ssh/authorized_keys")).uid).toBe(0);
  });

  test("arguments as the schema says: keys is a list of strings, username is required", async () => {
    const { qga } = await setup();
    expect(descOf(await qga("guest-ssh-add-authorized-keys", { username: "alice", keys: K1 }))).toContain("'keys'");
    expect(descOf(await qga("guest-ssh-get-authorized-keys", {}))).toBe("Parameter 'username' is missing");
  });
});
