import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startDevXenstored, type DevXenstored } from "../../scripts/xenstored/server.ts";
import { JOURNAL_PATH } from "../../src/plan/journal.ts";
import { startDaemon } from "../helpers/daemon-process.ts";
import { novaHost } from "../helpers/nova-host.ts";
import { connectQga, type QgaClient } from "../helpers/qga-client.ts";
import { type Case, cleanCases, CLEANUP_MS, newCase, outsideOf } from "./rig.ts";

/**
 * The host's channels aim at the same places: Nova's injectfile / file_inject over XenStore, and
 * QGA's guest-file-open and authorized-keys commands over a unix socket, both served by the real
 * daemon (from source) on a --root tree. Every hostile path is refused or contained in the root,
 * the daemon logs it and keeps serving, and the sentinel beside the root never changes.
 */
const running: { daemon?: Subprocess<"ignore", "pipe", "pipe">; xs?: DevXenstored; client?: QgaClient }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.client?.close();
    r.daemon?.kill("SIGKILL");
    await r.xs?.stop();
  }
});
afterAll(cleanCases, CLEANUP_MS);

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** The case's root with alice (uid 1000, home /home/alice) and the links every test aims through. */
function guest(): Case {
  const c = newCase();
  chmodSync(join(c.root, "etc/shadow"), 0o600);
  c.rootFiles({ "etc/passwd": `${readFileSync(join(c.root, "etc/passwd"), "utf8")}alice:x:1000:1000:Alice:/home/alice:/bin/sh\n` });
  c.rootFiles({ "etc/group": `${readFileSync(join(c.root, "etc/group"), "utf8")}alice:x:1000:\n` });
  mkdirSync(join(c.root, "home/alice"), { recursive: true });
  mkdirSync(join(c.root, "run"), { recursive: true });
  // Relative links: the kernel, from inside the root, would follow each of them to the sentinel.
  c.link("etc/cron.d", "../../outside/cron.d");
  c.link("etc/motd", "../../outside/keep");
  c.link("home/alice/.ssh", "../../../outside/.ssh");
  return c;
}

describe("Nova injectfile / file_inject over XenStore", () => {
  async function rig() {
    const c = guest();
    const xs = await startDevXenstored({ socket: join(c.dir, "dom0.sock"), guestSocket: join(c.root, "run/xenstored.sock"), domid: 7 });
    const entry: (typeof running)[number] = { xs };
    running.push(entry);
    const { daemon, stderr } = await startDaemon(["--transport", "xenstore", "--root", c.root, "--log-level", "debug"], {
      ready: "serving the Nova agent protocol",
      env: { XENSTORED_PATH: "/run/xenstored.sock" },
    });
    entry.daemon = daemon;
    // The dom0 socket lives in the case dir: leave it out of the comparison, it is the test's own.
    const outside = () => {
      const s = outsideOf(c);
      delete s["/dom0.sock"];
      delete s["/"];
      return s;
    };
    return { c, host: novaHost(join(c.dir, "dom0.sock"), 7), stderr, outside };
  }

  test("paths that climb, kernel interfaces, NUL bytes: 500 naming the field, logged, nothing written", async () => {
    const { c, host, stderr, outside } = await rig();
    const before = outside();
    const refused: [string, string][] = [
      ["/etc/../../outside/keep", 'path: must not contain "..", got "/etc/../../outside/keep"'],
      ["/../outside/cron.d/evil", 'path: must not contain ".."'],
      ["../outside/keep", "path: expected an absolute path"],
      ["/proc/sys/kernel/core_pattern", "path: /proc/sys/kernel/core_pattern is under /proc, a kernel interface, not a file system: refused"],
      ["/sys/kernel/uevent_helper", "is under /sys, a kernel interface"],
      ["/dev/mem", "is under /dev, a kernel interface"],
      ["/run/udev/rules.d/99-x.rules", "is under /run/udev"],
    ];
    for (const [path, message] of refused) {
      const reply = await host.call("injectfile", b64(`${path},pwned\n`));
      expect(reply.returncode).toBe("500");
      expect(reply.message).toContain("xenstore injectfile: ");
      expect(reply.message).toContain(message.replaceAll('"', "'"));
    }
    const nul = await host.call("file_inject", { b64_path: b64("/etc/x\u0000/../../outside/keep"), b64_file: b64("pwned") });
    expect(nul.returncode).toBe("500");
    expect(nul.message).toContain("NUL");
    // logged by the daemon, one warning per refusal, and it still answers
    expect(stderr()).toContain("must not contain");
    expect(stderr()).toContain("a kernel interface, not a file system: refused");
    expect((await host.call("version", "agent")).returncode).toBe("0");
    expect(outside()).toEqual(before);
  });

  test("through symlinks in the root: a parent link is refused, a final link replaced inside the root", async () => {
    const { c, host, stderr, outside } = await rig();
    const before = outside();
    // /etc/cron.d -> ../../outside/cron.d: inside the root that is /outside/cron.d, which is not there.
    const cron = await host.call("injectfile", b64("/etc/cron.d/evil,* * * * * root touch /tmp/pwned\n"));
    expect(cron.returncode).toBe("500");
    expect(cron.message).toContain("injected-files: /etc/cron.d: a symlink is in the way");
    // /etc/motd -> ../../outside/keep: replaced by the file, never written through.
    const motd = await host.call("file_inject", { b64_path: b64("/etc/motd"), b64_file: b64("injected\n") });
    expect(motd).toEqual({ returncode: "0", message: "" });
    expect(lstatSync(join(c.root, "etc/motd")).isFile()).toBe(true);
    expect(readFileSync(join(c.root, "etc/motd"), "utf8")).toBe("injected\n");
    // ~alice/.ssh -> the sentinel's .ssh: alice could have made that link, so root does not write through it.
    const keys = await host.call("injectfile", b64("/home/alice/.ssh/authorized_keys,ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvilEvilEvilEvilEvilEvilEvilEvilEvil0 x\n"));
    expect(keys.returncode).toBe("500");
    expect(keys.message).toContain("/home/alice/.ssh");
    expect(stderr()).toContain("a symlink is in the way");
    // A FIFO where the file goes: refused, never opened (a write to it would block the daemon).
    expect(Bun.spawnSync(["mkfifo", join(c.root, "etc/pipe")]).exitCode).toBe(0);
    const fifo = await host.call("injectfile", b64("/etc/pipe,x"));
    expect(fifo.returncode).toBe("500");
    expect(fifo.message).toContain("a fifo is in the way");
    expect((await host.call("version", "agent")).returncode).toBe("0");
    expect(outside()).toEqual(before);
  });
});

describe("QGA guest-file-* and authorized-keys over a unix socket", () => {
  async function rig() {
    const c = guest();
    const { daemon, stderr } = await startDaemon(["--listen", "unix:/run/qga.sock", "--root", c.root, "--metadata-url", "http://127.0.0.1:9", "--log-level", "debug"], {
      ready: "serving the QEMU guest agent protocol",
    });
    const client = await connectQga(join(c.root, "run/qga.sock"));
    running.push({ daemon, client });
    const outside = () => {
      const s = outsideOf(c);
      delete s["/"];
      return s;
    };
    return { c, client, stderr, outside };
  }
  const desc = (reply: Record<string, unknown>) => (reply.error as { desc?: string } | undefined)?.desc ?? "";

  test("guest-file-open: climbs stop at the root, links are resolved inside it, a final link is never written through", async () => {
    const { c, client, stderr, outside } = await rig();
    const before = outside();
    const attempts: [string, string, RegExp][] = [
      // .. stops at the root's /: /outside/keep inside the root, which is not there.
      ["/../outside/keep", "r", /No such file or directory|ENOENT|no such file/i],
      ["/../../outside/keep", "w", /No such file or directory|ENOENT|no such file/i],
      // read through a final link: followed inside the root only.
      ["/etc/motd", "r", /No such file or directory|ENOENT|no such file/i],
      // write through a final link: refused.
      ["/etc/motd", "w", /is a symlink: refused/],
      ["/etc/motd", "a", /is a symlink: refused/],
      // a parent link: resolved inside the root, where it leads nowhere.
      ["/etc/cron.d/evil", "w", /No such file or directory|ENOENT|no such file/i],
      ["/home/alice/.ssh/authorized_keys", "a+", /No such file or directory|ENOENT|no such file/i],
      ["etc/../../outside/shadow", "r", /No such file or directory|ENOENT|no such file/i],
    ];
    for (const [path, mode, why] of attempts) {
      const reply = await client.call("guest-file-open", { path, mode });
      expect(reply.return).toBeUndefined();
      expect(desc(reply)).toContain(`failed to open file '${path}' (mode: '${mode}')`);
      expect(desc(reply)).toMatch(why);
    }
    // A FIFO is qemu-ga's to open (it opens devices too), but non-blocking: a read gives nothing, never hangs.
    expect(Bun.spawnSync(["mkfifo", join(c.root, "tmp/pipe")]).exitCode).toBe(0);
    const handle = (await client.call("guest-file-open", { path: "/tmp/pipe", mode: "r" })).return as number;
    expect(await client.call("guest-file-read", { handle, count: 10 })).toMatchObject({ return: { count: 0 } });
    expect(await client.call("guest-file-close", { handle })).toEqual({ return: {} });
    const nul = await client.call("guest-file-open", { path: "/etc/x\u0000/../../outside/keep", mode: "w" });
    expect(desc(nul)).toContain("not a path");
    expect(outside()).toEqual(before);
    expect(stderr()).toContain("guest-file-open");
  });

  test("authorized keys: a smuggled second line and options-with-newlines are refused; ~/.ssh as a link is refused", async () => {
    const { client, outside } = await rig();
    const before = outside();
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIQgaQgaQgaQgaQgaQgaQgaQgaQgaQgaQgaQ0 host@qga";
    const smuggled = await client.call("guest-ssh-add-authorized-keys", { username: "root", keys: [`${key}\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQEvil evil`] });
    expect(desc(smuggled)).toContain("a key is one line: no newline, carriage return or NUL");
    const cr = await client.call("guest-ssh-add-authorized-keys", { username: "root", keys: [`command="id"\r${key}`] });
    expect(desc(cr)).toContain("a key is one line");
    // alice's ~/.ssh points at the sentinel's .ssh: refused rather than followed.
    const alice = await client.call("guest-ssh-add-authorized-keys", { username: "alice", keys: [key] });
    expect(desc(alice)).toMatch(/\/home\/alice\/\.ssh.*symlink/);
    // A user name that climbs or is an option is just an unknown user.
    for (const username of ["../../outside", "-o", "root\nalice", "alice:x"]) {
      const reply = await client.call("guest-ssh-add-authorized-keys", { username, keys: [key] });
      expect(desc(reply)).toContain(`failed to lookup user '${username}'`);
    }
    expect(outside()).toEqual(before);
  });

  test("guest-set-user-password: forbidden user names and passwords are refused before anything runs", async () => {
    const { c, client, outside } = await rig();
    const shadow = readFileSync(join(c.root, "etc/shadow"), "utf8");
    const before = outside();
    const tries: [Record<string, unknown>, string][] = [
      [{ username: "alice\nroot", password: b64("pw"), crypted: false }, "forbidden characters in username"],
      [{ username: "root:0", password: b64("pw"), crypted: false }, "forbidden characters in username"],
      // chpasswd reads lines: a newline would start an entry of its own (root's password).
      [{ username: "alice", password: b64("pw\nroot:owned"), crypted: false }, "forbidden characters in raw password"],
      [{ username: "alice", password: b64("$6$salt$hash\nroot:$6$x$y"), crypted: true }, "forbidden characters in raw password"],
      [{ username: "alice", password: b64("$6$salt:x"), crypted: true }, "set-password for \"alice\""],
      [{ username: "-e", password: b64("pw"), crypted: false }, 'no user "-e"'],
    ];
    for (const [args, message] of tries) {
      const reply = await client.call("guest-set-user-password", args);
      expect(reply.return).toBeUndefined();
      expect(desc(reply)).toContain(message);
    }
    expect(readFileSync(join(c.root, "etc/shadow"), "utf8")).toBe(shadow);
    expect(outside()).toEqual(before);
    // refused before any apply began: no journal was ever written
    expect(existsSync(join(c.root, JOURNAL_PATH))).toBe(false);
  });
});
