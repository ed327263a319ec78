import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { guestSetUserPassword, passwordText } from "../../../../src/transports/virtio/commands/set-user-password.ts";
import { QgaError } from "../../../../src/transports/virtio/qga-types.ts";
import { b64, call, cleanTemps, contextFor, realHost, targetRoot } from "./qga-test-context.ts";

afterAll(cleanTemps);

const COMMANDS = [guestSetUserPassword];

function shadowField(root: string, user: string): string {
  const line = readFileSync(join(root, "etc/shadow"), "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
  return line?.split(":")[1] ?? "";
}

/** Whether the shadow hash is the password's: recomputed by openssl's SHA-512 crypt with the same salt. */
function shadowHolds(root: string, user: string, password: string): boolean {
  const hash = shadowField(root, user);
  const salt = hash.split("$")[2];
  if (!hash.startsWith("$6$") || !salt) return false;
  const out = Bun.spawnSync(["openssl", "passwd", "-6", "-salt", salt, "-stdin"], { stdin: new TextEncoder().encode(password) });
  return out.stdout.toString().trim() === hash;
}

function opensslHash(password: string, salt: string): string {
  return Bun.spawnSync(["openssl", "passwd", "-6", "-salt", salt, "-stdin"], { stdin: new TextEncoder().encode(password) }).stdout.toString().trim();
}

async function setup() {
  const root = targetRoot();
  const host = await realHost(root);
  return { root, host, ctx: contextFor(host) };
}

describe("guest-set-user-password on a --root tree, through the passwords action", () => {
  test("clear text for root: the shadow hash is the password's (openssl agrees), 0600 kept, nothing logged", async () => {
    const { root, host, ctx } = await setup();
    const password = "qga pässword";
    expect(await call(ctx, COMMANDS, "guest-set-user-password", { username: "root", password: b64(password), crypted: false })).toEqual({ return: {} });
    expect(shadowHolds(root, "root", password)).toBe(true);
    expect(statSync(join(root, "etc/shadow")).mode & 0o777).toBe(0o600);
    const logs = host.logs.join("");
    expect(logs).toContain("password of root set");
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(b64(password));
    expect(logs).not.toContain(shadowField(root, "root"));
  });

  test("any existing user: alice's hash changes, root's does not", async () => {
    const { root, ctx } = await setup();
    const rootBefore = shadowField(root, "root");
    expect(await call(ctx, COMMANDS, "guest-set-user-password", { username: "alice", password: b64("alice pw"), crypted: false })).toEqual({ return: {} });
    expect(shadowHolds(root, "alice", "alice pw")).toBe(true);
    expect(shadowField(root, "root")).toBe(rootBefore);
  });

  test("crypted=true: the hash goes into shadow as given", async () => {
    const { root, ctx } = await setup();
    const hash = opensslHash("hashed elsewhere", "saltsalt");
    expect(hash.startsWith("$6$saltsalt$")).toBe(true);
    expect(await call(ctx, COMMANDS, "guest-set-user-password", { username: "alice", password: b64(hash), crypted: true })).toEqual({ return: {} });
    expect(shadowField(root, "alice")).toBe(hash);
    expect(shadowHolds(root, "alice", "hashed elsewhere")).toBe(true);
  });

  test("a user that does not exist: an error naming the user, shadow unchanged", async () => {
    const { root, ctx } = await setup();
    const before = readFileSync(join(root, "etc/shadow"), "utf8");
    const outcome = await call(ctx, COMMANDS, "guest-set-user-password", { username: "mallory", password: b64("x y z"), crypted: false });
    expect(outcome).toMatchObject({ error: { class: "GenericError" } });
    expect((outcome as { error: { desc: string } }).error.desc).toContain('"mallory"');
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toBe(before);
  });

  test("a crypted value that cannot be one shadow field is refused by the passwords action; shadow unchanged", async () => {
    const { root, ctx } = await setup();
    const before = readFileSync(join(root, "etc/shadow"), "utf8");
    const outcome = await call(ctx, COMMANDS, "guest-set-user-password", { username: "alice", password: b64("$6$a$b:0:0"), crypted: true });
    expect(outcome).toMatchObject({ error: { class: "GenericError" } });
    const desc = (outcome as { error: { desc: string } }).error.desc;
    expect(desc).toContain('set-password for "alice"');
    expect(desc).toContain("':'");
    expect(desc).not.toContain("$6$a$b");
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toBe(before);
  });

  test("bad input is refused before anything runs, in qemu-ga's words where it has them", async () => {
    let executed = 0;
    const { host } = await setup();
    const ctx = contextFor(host, async () => String(++executed));
    const desc = async (args: unknown) => ((await call(ctx, COMMANDS, "guest-set-user-password", args)) as { error?: { desc: string } }).error?.desc;
    expect(await desc({ username: "root", password: "not*base64", crypted: false })).toBe("Base64 data contains invalid characters");
    expect(await desc({ username: "root", password: b64("two\nlines"), crypted: false })).toContain("forbidden characters in raw password");
    expect(await desc({ username: "root", password: b64("nul\0byte"), crypted: false })).toContain("forbidden characters in raw password");
    expect(await desc({ username: "root", password: b64(Uint8Array.from([0x70, 0xff, 0x77])), crypted: false })).toBe("the password is not valid UTF-8");
    expect(await desc({ username: "root", password: "", crypted: false })).toBe("the password is empty: refused");
    expect(await desc({ username: "ro:ot", password: b64("pw"), crypted: false })).toBe("forbidden characters in username");
    expect(await desc({ username: "root", password: b64("pw") })).toBe("Parameter 'crypted' is missing");
    expect(executed).toBe(0);
  });

  test("the command hands the password over as a Secret, with the user and crypted", async () => {
    const { host } = await setup();
    const seen: unknown[] = [];
    const ctx = contextFor(host, async (command) => {
      seen.push(command);
      return "ok";
    });
    await call(ctx, COMMANDS, "guest-set-user-password", { username: "alice", password: b64("s3cret"), crypted: false });
    expect(seen).toHaveLength(1);
    const command = seen[0] as { name: string; user: string; crypted: boolean; password: { reveal(): string } };
    expect(command).toMatchObject({ name: "set-password", user: "alice", crypted: false });
    expect(command.password.reveal()).toBe("s3cret");
    expect(JSON.stringify(command)).not.toContain("s3cret");
  });

  test("passwordText: UTF-8 accepted, a lone surrogate's bytes are not", () => {
    expect(passwordText(new TextEncoder().encode("pässwörd ✓"))).toBe("pässwörd ✓");
    expect(() => passwordText(Uint8Array.from([0xed, 0xa0, 0x80]))).toThrow(QgaError);
  });
});
