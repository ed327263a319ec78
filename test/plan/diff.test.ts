import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";
import { Secret } from "../../src/model/secret.ts";
import { diffPlan, planJson } from "../../src/plan/diff.ts";
import { plan } from "./helpers.ts";

const HOSTS_OLD = ["127.0.0.1 localhost", "::1 localhost ip6-localhost", "", "# The following lines are desirable for IPv6 capable hosts", "fe00::0 ip6-localnet", "ff00::0 ip6-mcastprefix", "ff02::1 ip6-allnodes", "ff02::2 ip6-allrouters", ""].join("\n");
const HOSTS_NEW = HOSTS_OLD.replace("127.0.0.1 localhost\n", "127.0.0.1 localhost\n127.0.1.1 web-1.example web-1\n").replace("ff02::2 ip6-allrouters\n", "");

const PASSWORD = "S3cret-pass-never-shown";

function host() {
  return createFakeHost({
    tree: {
      "/etc/passwd": "root:x:0:0::/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\n",
      "/etc/group": "root:x:0:\nalice:x:1001:\n",
      "/etc/hostname": "localhost\n",
      "/etc/hosts": HOSTS_OLD,
      "/etc/timezone": { content: "Etc/UTC\n", mode: 0o644 },
      "/etc/issue": { content: "Debian\n", mode: 0o644 },
      "/etc/shadow": { content: "root:*:19000::::::\n", mode: 0o640 },
      "/etc/old.conf": "x\n",
      "/home/alice/.keep": "",
    },
  });
}

const PLAN = plan([
  [
    "hostname",
    [
      { kind: "write", path: "/etc/hostname", content: "web-1\n", mode: 0o644, reason: "hostname from meta-data" },
      { kind: "write", path: "/etc/hosts", content: HOSTS_NEW, mode: 0o644, reason: "manage_etc_hosts" },
    ],
  ],
  ["timezone", [{ kind: "write", path: "/etc/timezone", content: "Etc/UTC\n", mode: 0o644, reason: "timezone" }]],
  ["motd", [{ kind: "write", path: "/etc/motd", content: "Welcome to web-1\nManaged by tether", mode: 0o644, reason: "final_message" }]],
  ["issue", [{ kind: "write", path: "/etc/issue", content: "Debian\n", mode: 0o600, owner: { user: "alice", group: "alice" }, reason: "" }]],
  [
    "password",
    [
      { kind: "write", path: "/etc/shadow", content: new Secret(`root:${PASSWORD}:19000::::::\n`), mode: 0o640, reason: "password for root" },
      { kind: "run", argv: ["chpasswd", "-e"], input: new Secret(`alice:${PASSWORD}`), reason: "password for alice" },
    ],
  ],
  [
    "ssh-keys",
    [
      { kind: "mkdir", path: "/home/alice/.ssh", mode: 0o700, owner: { user: "alice", group: "alice" }, reason: "" },
      { kind: "mkdir", path: "/home/alice", mode: 0o750, reason: "home" },
      { kind: "write", path: "/home/bob/.ssh/authorized_keys", content: "ssh-ed25519 AAAA bob\n", mode: 0o600, owner: { user: "bob", group: "bob" }, reason: "keys for bob" },
    ],
  ],
  ["files", [{ kind: "write", path: "/usr/local/bin/blob", content: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1]), mode: 0o755, reason: "write_files" }]],
  [
    "scripts",
    [
      { kind: "run", argv: ["/var/lib/tether/scripts/runcmd", "it's", "a b"], timeoutMs: 60000, reason: "runcmd" },
      { kind: "run", argv: ["sh", "-s"], input: "echo one\necho two\n", reason: "bootcmd" },
      { kind: "remove", path: "/etc/old.conf", reason: "replaced" },
      { kind: "remove", path: "/etc/gone.conf", reason: "" },
    ],
  ],
]);

describe("diffPlan", () => {
  test("a small plan, golden: new, changed, unchanged, mode/owner, secret, binary, runs, mkdir, remove", async () => {
    const { text, counts } = await diffPlan(host(), PLAN);
    expect(text).toBe(
      [
        "== hostname ==",
        "write /etc/hostname (changed): hostname from meta-data",
        "--- a/etc/hostname",
        "+++ b/etc/hostname",
        "@@ -1 +1 @@",
        "-localhost",
        "+web-1",
        "write /etc/hosts (changed): manage_etc_hosts",
        "--- a/etc/hosts",
        "+++ b/etc/hosts",
        "@@ -1,8 +1,8 @@",
        " 127.0.0.1 localhost",
        "+127.0.1.1 web-1.example web-1",
        " ::1 localhost ip6-localhost",
        " ",
        " # The following lines are desirable for IPv6 capable hosts",
        " fe00::0 ip6-localnet",
        " ff00::0 ip6-mcastprefix",
        " ff02::1 ip6-allnodes",
        "-ff02::2 ip6-allrouters",
        "== timezone ==",
        "write /etc/timezone (unchanged): timezone",
        "== motd ==",
        "write /etc/motd (new, 0644): final_message",
        "--- /dev/null",
        "+++ b/etc/motd",
        "@@ -0,0 +1,2 @@",
        "+Welcome to web-1",
        "+Managed by tether",
        "\\ No newline at end of file",
        "== issue ==",
        "write /etc/issue (content unchanged)",
        "  mode 0644 -> 0600",
        "  owner root:root -> alice:alice",
        "== password ==",
        "write /etc/shadow (changed): password for root",
        "  content (secret: 41 bytes, not shown)",
        "run chpasswd -e: password for alice",
        "  input (secret input)",
        "== ssh-keys ==",
        "mkdir /home/alice/.ssh (new, 0700 alice:alice)",
        "mkdir /home/alice (exists; mode 0755 -> 0750): home",
        "write /home/bob/.ssh/authorized_keys (new, 0600 bob:bob): keys for bob",
        "  directory /home/bob/.ssh does not exist yet",
        "  owner bob:bob (not in the target's account files yet)",
        "--- /dev/null",
        "+++ b/home/bob/.ssh/authorized_keys",
        "@@ -0,0 +1 @@",
        "+ssh-ed25519 AAAA bob",
        "== files ==",
        "write /usr/local/bin/blob (new, 0755): write_files",
        "  directory /usr/local/bin does not exist yet",
        "  content (binary: 6 bytes)",
        "== scripts ==",
        "run /var/lib/tether/scripts/runcmd 'it'\\''s' 'a b': runcmd",
        "  time limit 60000 ms",
        "run sh -s: bootcmd",
        "  input (18 bytes):",
        "  < echo one",
        "  < echo two",
        "remove /etc/old.conf (kept as /etc/old.conf.tether-bak): replaced",
        "remove /etc/gone.conf (absent: nothing to do)",
        "7 file(s) to write, 1 unchanged, 2 directories, 2 removal(s), 3 command(s)",
        "",
      ].join("\n"),
    );
    expect(counts).toEqual({ write: 7, unchanged: 1, mkdir: 2, remove: 2, run: 3 });
    expect(text).not.toContain(PASSWORD);
  });

  test("the dry run changes nothing", async () => {
    const h = host();
    const before = h.fs.snapshot();
    await diffPlan(h, PLAN);
    expect(h.fs.snapshot()).toEqual(before);
    expect(h.calls).toEqual([]);
  });

  test("a binary file that changes shows both sizes, never bytes", async () => {
    const h = createFakeHost({ tree: { "/bin/x": new Uint8Array([0, 1, 2]) } });
    const { text } = await diffPlan(h, plan([["f", [{ kind: "write", path: "/bin/x", content: "now text\n", mode: 0o644, reason: "" }]]]));
    expect(text).toBe("== f ==\nwrite /bin/x (changed)\n  content (binary: 9 bytes, was 3 bytes)\n1 file(s) to write, 0 unchanged, 0 directories, 0 removal(s), 0 command(s)\n");
  });
});

describe("planJson", () => {
  test("JSON-safe: secrets by size only, text as text, binary as sha256 and size, modes in octal", () => {
    const json = planJson(PLAN);
    const changes = json.steps.flatMap((s) => s.changes);
    expect(changes[0]).toEqual({ kind: "write", path: "/etc/hostname", mode: "0644", reason: "hostname from meta-data", content: { text: "web-1\n" } });
    expect(changes[5]).toEqual({ kind: "write", path: "/etc/shadow", mode: "0640", reason: "password for root", content: { secret: true, bytes: 41 } });
    expect(changes[6]).toEqual({ kind: "run", argv: ["chpasswd", "-e"], input: { secret: true }, reason: "password for alice" });
    expect(changes[7]).toEqual({ kind: "mkdir", path: "/home/alice/.ssh", mode: "0700", owner: { user: "alice", group: "alice" }, reason: "" });
    expect(changes[10]).toEqual({
      kind: "write",
      path: "/usr/local/bin/blob",
      mode: "0755",
      reason: "write_files",
      content: { binary: true, bytes: 6, sha256: new Bun.CryptoHasher("sha256").update(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1])).digest("hex") },
    });
    expect(changes[12]).toEqual({ kind: "run", argv: ["sh", "-s"], input: { text: "echo one\necho two\n" }, reason: "bootcmd" });
    const text = JSON.stringify(json);
    expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(text)).toEqual(json);
  });
});
