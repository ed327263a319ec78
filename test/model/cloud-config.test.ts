import { describe, expect, test } from "bun:test";
import { InputError } from "../../src/errors.ts";
import { parseCloudConfig } from "../../src/model/cloud-config/index.ts";
import { Secret } from "../../src/model/secret.ts";
import { parseYaml } from "../../src/parse/yaml.ts";

const parse = (yaml: string) => parseCloudConfig(parseYaml(yaml, "t"), "t");

function problems(yaml: string): string[] {
  try {
    parse(yaml);
  } catch (error) {
    if (error instanceof InputError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error(`accepted: ${yaml}`);
}

/** [cloud-config YAML, the key's value after validation] */
const ACCEPTED: [string, string, unknown][] = [
  ["hostname", "hostname: web-1", "web-1"],
  ["fqdn", "fqdn: web-1.example.com", "web-1.example.com"],
  ["prefer_fqdn_over_hostname", "prefer_fqdn_over_hostname: yes", true],
  ["preserve_hostname", "preserve_hostname: off", false],
  ["manage_etc_hosts", "manage_etc_hosts: localhost", "localhost"],
  ["manage_etc_hosts", "manage_etc_hosts: template", true],
  ["manage_etc_hosts", "manage_etc_hosts: on", true],
  ["users", "users: default", ["default"]],
  ["users", "users: 'alice, bob'", [{ name: "alice" }, { name: "bob" }]],
  ["users", "users: [default, [a, 'b,c'], {name: d, uid: '1001', sudo: false, groups: 'x, y'}]", ["default", { name: "a" }, { name: "b" }, { name: "c" }, { name: "d", uid: 1001, sudo: [], groups: ["x", "y"] }]],
  ["users", "users: {alice: {shell: /bin/zsh}, bob: true, carol: false}", [{ name: "alice", shell: "/bin/zsh" }, { name: "bob" }]],
  ["users", "users: [{name: e, lock-passwd: no, no_create_home: yes, system: true, homedir: /srv/e, primary_group: e, gecos: E}]", [{ name: "e", lock_passwd: false, no_create_home: true, system: true, homedir: "/srv/e", primary_group: "e", gecos: "E" }]],
  ["users", "users: [{name: f, sudo: ['ALL=(ALL) ALL', null], groups: {adm: null, wheel: null}, ssh_authorized_keys: [ssh-ed25519 AAAA f@x]}]", [{ name: "f", sudo: ["ALL=(ALL) ALL"], groups: ["adm", "wheel"], ssh_authorized_keys: ["ssh-ed25519 AAAA f@x"] }]],
  ["groups", "groups: 'a, b'", [{ name: "a", members: [] }, { name: "b", members: [] }]],
  ["groups", "groups: [admins, {dev: [alice, bob]}, {ops: carol}]", [{ name: "admins", members: [] }, { name: "dev", members: ["alice", "bob"] }, { name: "ops", members: ["carol"] }]],
  ["groups", "groups: {dev: [alice]}", [{ name: "dev", members: ["alice"] }]],
  ["ssh_authorized_keys", "ssh_authorized_keys: [ssh-rsa AAAA x]", ["ssh-rsa AAAA x"]],
  ["disable_root", "disable_root: false", false],
  ["ssh_pwauth", "ssh_pwauth: no", false],
  ["ssh_pwauth", "ssh_pwauth: unchanged", "unchanged"],
  ["ssh_pwauth", "ssh_pwauth: 'yes'", true],
  ["chpasswd", "chpasswd: {expire: false, users: [{name: a, type: RANDOM}]}", { expire: false, users: [{ name: "a", type: "RANDOM" }] }],
  ["chpasswd", "chpasswd: {}", { expire: true, users: [] }],
  ["write_files", "write_files: [{path: /etc/x}]", [{ path: "/etc/x", content: "", encoding: "text", owner: "root:root", append: false, defer: false }]],
  ["write_files", "write_files: [{path: /x, permissions: 0600, encoding: gzip+base64, content: H4sI, owner: 'www-data:adm', append: yes, defer: on}]", [{ path: "/x", content: "H4sI", encoding: "gz+b64", owner: "www-data:adm", permissions: 0o600, append: true, defer: true }]],
  ["write_files", "write_files: [{path: /x, permissions: '0755', encoding: b64}, {path: /y, permissions: '755', encoding: gz}, {path: /z, permissions: '0o4755', encoding: text/plain}]", [
    { path: "/x", content: "", encoding: "b64", owner: "root:root", permissions: 0o755, append: false, defer: false },
    { path: "/y", content: "", encoding: "gzip", owner: "root:root", permissions: 0o755, append: false, defer: false },
    { path: "/z", content: "", encoding: "text", owner: "root:root", permissions: 0o4755, append: false, defer: false },
  ]],
  ["bootcmd", "bootcmd: [echo hi, [cloud-init-per, once, x, sleep, 5]]", ["echo hi", ["cloud-init-per", "once", "x", "sleep", "5"]]],
  ["runcmd", "runcmd: [ls, ~, [touch, /x]]", ["ls", ["touch", "/x"]]],
  ["timezone", "timezone: America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
  ["timezone", "timezone: Etc/GMT+3", "Etc/GMT+3"],
  ["ntp", "ntp:", { servers: [], pools: [] }],
  ["ntp", "ntp: {servers: [ntp.example.com], pools: [0.pool.ntp.org, 1.pool.ntp.org]}", { servers: ["ntp.example.com"], pools: ["0.pool.ntp.org", "1.pool.ntp.org"] }],
  ["ca_certs", "ca_certs: {trusted: [\"-----BEGIN CERTIFICATE-----\\nMII\\n-----END CERTIFICATE-----\\n\"]}", { trusted: ["-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n"] }],
  ["packages", "packages: [nginx, [libc6, 2.31-0ubuntu9], [python3, 3]]", [{ name: "nginx" }, { name: "libc6", version: "2.31-0ubuntu9" }, { name: "python3", version: "3" }]],
  ["package_update", "package_update: true", true],
  ["growpart", "growpart: {mode: false, devices: [/, /dev/vdb1]}", { mode: "off", devices: ["/", "/dev/vdb1"], ignore_growroot_disabled: false }],
  ["growpart", "growpart: {}", { mode: "auto", devices: ["/"], ignore_growroot_disabled: false }],
  ["resize_rootfs", "resize_rootfs: noblock", "noblock"],
  ["resize_rootfs", "resize_rootfs: false", false],
  ["power_state", "power_state: {mode: reboot}", { mode: "reboot", delay: 0, timeout: 30, condition: true }],
  ["power_state", "power_state: {mode: poweroff, delay: '+5', message: bye, timeout: 60, condition: [test, -f, /x]}", { mode: "poweroff", delay: 5, message: "bye", timeout: 60, condition: ["test", "-f", "/x"] }],
  ["power_state", "power_state: {mode: halt, delay: now, condition: 'test -f /x'}", { mode: "halt", delay: 0, timeout: 30, condition: "test -f /x" }],
  ["final_message", "final_message: done after $UPTIME", "done after $UPTIME"],
];

/** [cloud-config YAML, every problem as `path: message`] */
const REFUSED: [string, string[]][] = [
  ["hostname: 'web 1'", ['hostname: expected a host name (letters, digits, inner hyphens; dot-separated labels of 1-63), got "web 1"']],
  ["fqdn: [a]", ["fqdn: expected a string, got a list"]],
  ["preserve_hostname: maybe", ['preserve_hostname: expected true or false, got "maybe"']],
  ["manage_etc_hosts: sometimes", ['manage_etc_hosts: expected true, false or "localhost", got "sometimes"']],
  ["users: 5", ["users: expected a list of users, got 5"]],
  ["users: [{gecos: x}]", ["users[0].name: required"]],
  ["users: [{name: a, uid: -1}, {name: b, uid: abc}, {name: c, sudo: 5}, 7]", [
    "users[0].uid: expected a user id of 0 or more",
    'users[1].uid: expected a user id (a whole number), got "abc"',
    "users[2].sudo: expected a sudoers rule, a list of rules, or null, got 5",
    "users[3]: expected a user (a mapping with a name) or user names, got 7",
  ]],
  ["users: {bob: {shell: 5}}", ["users.bob.shell: expected a string, got 5"]],
  ["users: [a, {name: a}]", ['users: user "a" is given twice']],
  ["groups: [{dev: 5}]", ["groups[0].dev: expected a user name or a list of user names, got 5"]],
  ["ssh_authorized_keys: ssh-rsa AAAA", ['ssh_authorized_keys: expected a list of strings, got "ssh-rsa AAAA"']],
  ["disable_root: 1", ["disable_root: expected true or false, got 1"]],
  ["ssh_pwauth: sometimes", ['ssh_pwauth: expected true, false or "unchanged", got "sometimes"']],
  ["password: [x]", ["password: expected a string, got a list"]],
  ["chpasswd: {users: [{name: a, type: RANDOM, password: x}, {name: b}, {name: c, type: md5, password: x}]}", [
    "chpasswd.users[0].type: a RANDOM password takes no password",
    "chpasswd.users[1].password: required (or type: RANDOM)",
    'chpasswd.users[2].type: expected "hash", "text" or "RANDOM", got "md5"',
  ]],
  ["write_files: [{path: /x, permissions: rwx}]", ['write_files[0].permissions: expected octal string or number, got "rwx"']],
  ["write_files: [{path: /x, permissions: '0999'}, {path: /y, permissions: 99999}, {path: /z, permissions: [1]}]", [
    'write_files[0].permissions: expected octal string or number, got "0999"',
    "write_files[1].permissions: expected octal string or number, got 99999",
    "write_files[2].permissions: expected octal string or number, got a list",
  ]],
  ["write_files: [{content: x}, {path: etc/x}, {path: /x, encoding: zip}, {path: /y, encoding: b64, content: 'not base64!'}, {path: /z, owner: 'a b'}]", [
    "write_files[0].path: required",
    'write_files[1].path: expected an absolute path, got "etc/x"',
    'write_files[2].encoding: expected one of b64, base64, gz, gzip, gz+b64, gz+base64, gzip+b64, gzip+base64, text/plain, text, got "zip"',
    "write_files[3].content: expected base64 (encoding: b64), got characters outside it",
    'write_files[4].owner: expected "user" or "user:group", got "a b"',
  ]],
  ["write_files: [{path: /x, content: yes}]", ["write_files[0].content: expected a string, got true"]],
  ["bootcmd: echo hi", ['bootcmd: expected a list of commands, got "echo hi"']],
  ["runcmd: [[echo, yes], 5, {a: 1}]", [
    "runcmd[0][1]: expected a string, got true (YAML 1.1 reads yes/no/on/off as booleans: quote it)",
    "runcmd[1]: expected a command string or a list of arguments, got 5",
    "runcmd[2]: expected a command string or a list of arguments, got a mapping",
  ]],
  ["bootcmd: [~]", ["bootcmd[0]: expected a command string or a list of arguments, got nothing"]],
  ["timezone: ../../etc/shadow", ['timezone: expected a time zone name such as Europe/Paris, Etc/UTC or Pacific Standard Time, got "../../etc/shadow"']],
  ["ntp: {servers: [a.example, a.example], pools: ['bad host']}", ['ntp.servers: expected no duplicates, got "a.example" twice', 'ntp.pools[0]: expected a host name (letters, digits, inner hyphens; dot-separated labels of 1-63), got "bad host"']],
  ["ntp: [a]", ["ntp: expected a mapping with servers and/or pools, got a list"]],
  ["ca_certs: {trusted: cert}", ['ca_certs.trusted: expected a list of strings, got "cert"']],
  ["packages: [[a, b, c], 5]", ["packages[0]: expected a [name, version] pair, got a list", "packages[1]: expected a package name or a [name, version] pair, got 5"]],
  ["package_update: sometimes", ['package_update: expected true or false, got "sometimes"']],
  ["growpart: {mode: always}", ['growpart.mode: expected "auto", "growpart", "gpart" or "off", got "always"']],
  ["resize_rootfs: later", ['resize_rootfs: expected true, false or "noblock", got "later"']],
  ["power_state: {delay: 5}", ["power_state.mode: required"]],
  ["power_state: {mode: suspend, delay: soon, timeout: -1}", [
    'power_state.mode: expected "poweroff", "reboot" or "halt", got "suspend"',
    'power_state.delay: expected minutes (0 or more), "+N" or "now", got "soon"',
    "power_state.timeout: expected 0 or more seconds, got -1",
  ]],
  ["final_message: [a]", ["final_message: expected a string, got a list"]],
  ["hostname: 2020-01-01", ["hostname: expected a string, got a date (2020-01-01; quote it to keep it a string)"]],
];

describe("cloud-config schema: each key's accepted forms", () => {
  for (const [key, yaml, value] of ACCEPTED) {
    test(`${yaml}`, () => {
      const { config, warnings } = parse(yaml);
      expect((config as Record<string, unknown>)[key]).toEqual(value);
      expect(warnings).toEqual([]);
    });
  }
});

describe("cloud-config schema: refusals name the field", () => {
  for (const [yaml, expected] of REFUSED) test(yaml, () => expect(problems(yaml)).toEqual(expected));
});

describe("cloud-config schema: YAML 1.1, secrets, warnings", () => {
  test("YAML 1.1: 0644 unquoted is octal; yes/no/on/off are booleans", () => {
    const { config } = parse("write_files: [{path: /a, permissions: 0644, append: yes}]\ndisable_root: off\nssh_pwauth: on\n");
    expect(config.write_files?.[0]?.permissions).toBe(0o644);
    expect(config.write_files?.[0]?.append).toBe(true);
    expect(config.disable_root).toBe(false);
    expect(config.ssh_pwauth).toBe(true);
  });

  test("an unquoted 644 is accepted as cloud-init takes it (decimal) and named in a warning", () => {
    const { config, warnings } = parse("write_files: [{path: /a, permissions: 644}]");
    expect(config.write_files?.[0]?.permissions).toBe(644);
    expect(warnings).toEqual(['write_files[0].permissions: 644 is a decimal number (mode 0o1204); write "0644" in quotes if octal was meant']);
  });

  test("passwords become Secrets that never print", () => {
    const { config } = parse(
      "password: top-secret-1\nchpasswd: {users: [{name: a, password: top-secret-2, type: text}]}\nusers: [{name: b, plain_text_passwd: top-secret-3, passwd: $6$salt$hash, hashed_passwd: $6$s$h}]\n",
    );
    expect(config.password).toBeInstanceOf(Secret);
    expect(config.password?.reveal()).toBe("top-secret-1");
    expect(config.chpasswd?.users[0]?.password?.reveal()).toBe("top-secret-2");
    const user = config.users?.[0];
    expect(user !== "default" && user?.plain_text_passwd?.reveal()).toBe("top-secret-3");
    expect(user !== "default" && user?.passwd?.reveal()).toBe("$6$salt$hash");
    const shown = JSON.stringify(config) + Bun.inspect(config);
    for (const secret of ["top-secret-1", "top-secret-2", "top-secret-3", "$6$salt$hash"]) expect(shown).not.toContain(secret);
  });

  test("unknown keys are warnings naming them, at every level; never errors", () => {
    const { config, warnings } = parse(
      "apt: {}\nsnap: {}\nhostname: h\nusers: [{name: a, expiredate: '2030-01-01'}]\nwrite_files: [{path: /x, permisions: '0600'}]\nchpasswd: {list: 'a:b'}\nntp: {enabled: false}\n",
    );
    expect(config.hostname).toBe("h");
    expect(warnings).toEqual([
      "apt: not a supported cloud-config key, ignored",
      "snap: not a supported cloud-config key, ignored",
      "users[0].expiredate: not a supported setting, ignored",
      "chpasswd.list: not a supported setting, ignored (deprecated by cloud-init; use chpasswd.users)",
      "write_files[0].permisions: not a supported setting, ignored",
      "ntp.enabled: not a supported setting, ignored",
    ]);
  });

  test("a hash-typed chpasswd password that is not a hash, and a clear-text passwd, are warned about", () => {
    const { warnings } = parse("chpasswd: {users: [{name: a, password: hunter2}]}\nusers: [{name: b, passwd: hunter3}]\n");
    expect(warnings).toEqual([
      "chpasswd.users[0].password: taken as a crypt hash (type defaults to hash) but does not look like one; add type: text if it is a clear-text password",
      "users[0].passwd: expected a crypt hash (mkpasswd), got something else; use plain_text_passwd for a clear-text password",
    ]);
    expect(warnings.join()).not.toContain("hunter");
  });

  test("an empty cloud-config is valid; a list is not", () => {
    expect(parseCloudConfig(null, "t")).toEqual({ config: {}, warnings: [] });
    expect(() => parseCloudConfig([1], "t")).toThrow("t: expected a mapping of cloud-config keys, got a list");
  });
});
