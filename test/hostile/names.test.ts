import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ec2Server, FULL_EC2, stopServers } from "../transports/metadata-http/fake-imds.ts";
import { runAgent } from "../helpers/run-agent.ts";
import { bootSeed, cleanCases, CLEANUP_MS, configDriveCase, newCase, outsideOf, pool, userDataCase } from "./rig.ts";

/**
 * Names that become arguments and file lines: user, group and host names with shell
 * metacharacters, newlines, NUL, a leading `-` (an option to useradd, groupadd, hostname), or far
 * too long; SSH keys with options, newlines or a second key smuggled after one; sudo rules and
 * passwd fields that would carry into the next line. Every one is refused before the first change,
 * naming the source and the field; none runs anything (the marker file is never made).
 */
afterAll(() => {
  cleanCases();
  stopServers();
}, CLEANUP_MS);

/** Made by any payload that reached a shell. */
const MARKER = `/tmp/tether-hostile-pwned-${process.pid}`;
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileHostileHostileHostileHostileHost0";

const user = (fields: string) => `#cloud-config\nusers:\n  - name: alice\n${fields}`;
const q = JSON.stringify;

/** [what, user-data, field, what the refusal says] */
const USER_DATA: [string, string, string, string][] = [
  ["user name with ;", `#cloud-config\nusers:\n  - name: ${q(`a;touch ${MARKER}`)}\n`, "users[0].name", "expected a user name"],
  ["user name with $(…)", `#cloud-config\nusers:\n  - name: ${q(`$(touch ${MARKER})`)}\n`, "users[0].name", "expected a user name"],
  ["user name with backticks", `#cloud-config\nusers:\n  - name: ${q(`\`touch ${MARKER}\``)}\n`, "users[0].name", "expected a user name"],
  ["user name with |", `#cloud-config\nusers:\n  - name: ${q(`a|touch ${MARKER}`)}\n`, "users[0].name", "expected a user name"],
  ["user name with a newline", `#cloud-config\nusers:\n  - name: "alice\\nroot::0:0::/root:/bin/sh"\n`, "users[0].name", "expected a user name"],
  ["user name with NUL", `#cloud-config\nusers:\n  - name: "alice\\0root"\n`, "users[0].name", "expected a user name"],
  ["user name -o (useradd's non-unique option)", `#cloud-config\nusers:\n  - name: "-o"\n`, "users[0].name", "expected a user name"],
  ["user name --help", `#cloud-config\nusers:\n  - name: "--help"\n`, "users[0].name", "expected a user name"],
  ["user name of 33 characters", `#cloud-config\nusers:\n  - name: ${"a".repeat(33)}\n`, "users[0].name", "at most 32"],
  ["user name of 100 000 characters", `#cloud-config\nusers:\n  - name: ${"a".repeat(100_000)}\n`, "users[0].name", "at most 32"],
  ["a group with ;", user(`    groups: ["wheel;touch ${MARKER}"]\n`), "users[0].groups[0]", "expected a group name"],
  ["a group -g0 (an option)", user(`    groups: [adm, "-g0"]\n`), "users[0].groups[1]", "expected a group name"],
  ["primary_group --gid=0", user(`    primary_group: "--gid=0"\n`), "users[0].primary_group", "expected a group name"],
  ["top-level group -f", `#cloud-config\ngroups: ["-f"]\n`, "groups[0]", "expected a group name"],
  ["top-level group with a newline", `#cloud-config\ngroups: ["evil\\nroot"]\n`, "groups[0]", "expected a group name"],
  ["hostname -F/etc/shadow (hostname(1) would read the file)", `#cloud-config\nhostname: "-F/etc/shadow"\n`, "hostname", "expected a host name"],
  ["hostname with ;", `#cloud-config\nhostname: ${q(`web;touch ${MARKER}`)}\n`, "hostname", "expected a host name"],
  ["hostname with a newline", `#cloud-config\nhostname: "web\\n127.0.0.1 evil"\n`, "hostname", "expected a host name"],
  ["fqdn with $(…)", `#cloud-config\nfqdn: ${q(`$(touch ${MARKER}).example.com`)}\n`, "fqdn", "expected a host name"],
  ["hostname label of 64", `#cloud-config\nhostname: ${"a".repeat(64)}\n`, "hostname", "expected a host name"],
  ["fqdn of 305 characters", `#cloud-config\nfqdn: ${Array(5).fill("a".repeat(60)).join(".")}\n`, "fqdn", "expected a host name"],
  ["sudo rule with a second rule after a newline", user(`    sudo: "ALL=(ALL) ALL\\nbob ALL=(ALL) NOPASSWD: ALL"\n`), "users[0].sudo", "one sudoers rule on one line"],
  ["sudo rule ending in a backslash (continues the next line)", user(`    sudo: "ALL=(ALL) ALL \\\\"\n`), "users[0].sudo", "no trailing backslash"],
  ["sudo rule with a carriage return", user(`    sudo: ["ALL=(ALL) ALL", "ALL=(ALL) ALL\\rbob ALL=(ALL) ALL"]\n`), "users[0].sudo[1]", "one sudoers rule on one line"],
  ["SSH key with a second key after a newline", user(`    ssh_authorized_keys:\n      - "${KEY} a\\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQEvil evil"\n`), "users[0].ssh_authorized_keys[0]", "expected one SSH public key line"],
  ["SSH key with a carriage return", user(`    ssh_authorized_keys:\n      - "${KEY} a\\rssh-rsa AAAAB3Nza evil"\n`), "users[0].ssh_authorized_keys[0]", "expected one SSH public key line"],
  ["SSH key whose options never close their quote", user(`    ssh_authorized_keys:\n      - 'command="touch ${MARKER} ${KEY} a'\n`), "users[0].ssh_authorized_keys[0]", "expected one SSH public key line"],
  ["top-level SSH key with a second one smuggled in", `#cloud-config\nssh_authorized_keys:\n  - "${KEY} a\\n${KEY.replace("Hostile", "Smuggle")} b"\n`, "ssh_authorized_keys[0]", "expected one SSH public key line"],
  ["SSH key of 100 000 characters", user(`    ssh_authorized_keys:\n      - "ssh-ed25519 ${"A".repeat(100_000)} x"\n`), "users[0].ssh_authorized_keys[0]", "longer than 65536 characters"],
  ["gecos with ':' (the next passwd fields)", user(`    gecos: "x:0:0:root:/root:/bin/sh"\n`), "users[0].gecos", "must not contain ':'"],
  ["gecos of 200 000 characters", user(`    gecos: "${"A".repeat(200_000)}"\n`), "users[0].gecos", "at most 4096 characters, got 200000"],
  ["homedir that climbs", user(`    homedir: "/home/../etc"\n`), "users[0].homedir", "no trailing /, . or .."],
  ["shell with a passwd line after a newline", user(`    shell: "/bin/sh\\nroot2::0:0::/:/bin/sh"\n`), "users[0].shell", "must not contain ':', a newline or NUL"],
  ["a crypt hash with a shadow line after a newline", user(`    passwd: "$6$x$y\\nroot::19000:0:99999:7:::"\n`), "users[0].passwd", "a crypt hash cannot contain ':', a newline or NUL"],
  ["chpasswd user with a newline", `#cloud-config\nchpasswd:\n  users:\n    - {name: "root\\nalice", password: "pw", type: text}\n`, "chpasswd.users[0].name", "expected a user name"],
  ["chpasswd user -e (chpasswd's encrypted option)", `#cloud-config\nchpasswd:\n  users:\n    - {name: "-e", password: "pw", type: text}\n`, "chpasswd.users[0].name", "expected a user name"],
];

/**
 * Boots every case on its own (four at a time) and expects each refused: exit 1, the error naming
 * `source` and the field, logged on stderr, no state written, the sentinel untouched.
 */
async function expectAllRefused(table: [string, string, string, string][], seedFile: "user-data" | "network-config"): Promise<void> {
  const cases = table.map(([, text]) => (seedFile === "user-data" ? userDataCase(text) : userDataCase("#cloud-config\n")));
  if (seedFile === "network-config") cases.forEach((c, i) => c.seedFiles({ "network-config": (table[i] as (typeof table)[number])[1] }));
  const before = cases.map(outsideOf);
  const boots = await pool(4, cases.map((c) => () => bootSeed(c)));
  const seen = boots.map((boot, i) => {
    const c = cases[i] as (typeof cases)[number];
    const [what, , field, message] = table[i] as (typeof table)[number];
    const source = seedFile === "user-data" ? `${c.seed} user-data` : `${c.seed}/network-config`;
    const problem = boot.json?.error?.problems?.find((p: { path: string }) => p.path === field);
    const ok =
      boot.code === 1 &&
      String(boot.json.error.source).startsWith(source) &&
      String(problem?.message).includes(message) &&
      // logged: the line an operator reads, naming the source and the field
      boot.stderr.includes(`agent: ${source}`) &&
      boot.stderr.includes(`${field}: `) &&
      !existsSync(join(c.root, "var/lib/tether")) &&
      JSON.stringify(outsideOf(c)) === JSON.stringify(before[i]);
    return ok ? `ok ${what}` : `FAILED ${what}: exit ${boot.code}, ${JSON.stringify(boot.json?.error ?? boot.json?.steps?.filter((s: { status: string }) => s.status === "failed")).slice(0, 300)}`;
  });
  expect(seen).toEqual(table.map(([what]) => `ok ${what}`));
  // A refusal quotes what it refused, but never 100 KB of it.
  for (const boot of boots) expect(boot.stderr.length).toBeLessThan(150_000);
  expect(existsSync(MARKER)).toBe(false);
}

describe("user-data names, keys and rules: exit 1 naming user-data and the field, nothing run or written", () => {
  test(`all ${USER_DATA.length} cases, each a boot of its own`, () => expectAllRefused(USER_DATA, "user-data"), 120_000);
});

/** Other values that end up as an argument or a line of a configuration file. */
const OTHER: [string, string, string, string][] = [
  ["package -oDPkg::Pre-Invoke (apt-get runs it)", `#cloud-config\npackages: [${q(`-oDPkg::Pre-Invoke::=touch ${MARKER}`)}, nginx]\n`, "packages[0]", "expected a package name"],
  ["package --allow-unauthenticated", '#cloud-config\npackages: ["--allow-unauthenticated"]\n', "packages[0]", "expected a package name"],
  ["timezone that climbs (it becomes a symlink's target)", '#cloud-config\ntimezone: "../../../../outside/keep"\n', "timezone", "expected a time zone name"],
  ["timezone with a newline", '#cloud-config\ntimezone: "Europe/Paris\\nx"\n', "timezone", "expected a time zone name"],
  ["NTP server with a chrony directive after a newline", '#cloud-config\nntp:\n  servers: ["pool.example\\ninclude /tmp/evil"]\n', "ntp.servers[0]", "expected a host name"],
  ["NTP server -x", '#cloud-config\nntp:\n  servers: ["-x"]\n', "ntp.servers[0]", "expected a host name"],
  ["power_state delay with a command", `#cloud-config\npower_state:\n  mode: reboot\n  delay: ${q(`+5; touch ${MARKER}`)}\n`, "power_state.delay", "expected minutes"],
  ["ssh_pwauth with a command", `#cloud-config\nssh_pwauth: ${q(`yes; touch ${MARKER}`)}\n`, "ssh_pwauth", "expected true, false"],
  ["write_files owner -R (an option to chown)", '#cloud-config\nwrite_files:\n  - {path: /etc/x, content: x, owner: "-R root"}\n', "write_files[0].owner", 'expected "user" or "user:group"'],
];

describe("other values that become arguments or configuration lines", () => {
  test(`all ${OTHER.length} cases`, () => expectAllRefused(OTHER, "user-data"), 120_000);
});

/** Interface names become file names (ifcfg-NAME, NAME.network) and ENI stanzas, whose `up` lines run as root. */
const NETWORK: [string, string, string, string][] = [
  ["v2 set-name that climbs (a file name in every renderer)", 'version: 2\nethernets:\n  lan0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: "../../../outside/evil"\n', "ethernets.lan0.set-name", "expected an interface name"],
  ["v2 set-name with an ENI up line after a newline", `version: 2\nethernets:\n  lan0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: "lan0\\n    up touch ${MARKER}"\n`, "ethernets.lan0.set-name", "expected an interface name"],
  ["v1 name with an ENI up line", `version: 1\nconfig:\n  - {type: physical, name: "eth0\\n  up touch ${MARKER}", mac_address: "52:54:00:12:34:56"}\n`, "config[0].name", "expected an interface name"],
  ["v1 nameserver with a second nameserver line", 'version: 1\nconfig:\n  - {type: nameserver, address: ["1.1.1.1\\nnameserver 6.6.6.6"]}\n', "config[0].address[0]", "expected an IP address"],
  ["v2 route via with an up line", `version: 2\nethernets:\n  lan0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    routes: [{to: 0.0.0.0/0, via: "10.0.0.1\\n  up touch ${MARKER}"}]\n`, "ethernets.lan0.routes[0].via", "expected an IP address"],
  ["v2 search domain with an up line", `version: 2\nethernets:\n  lan0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    dhcp4: true\n    nameservers: {search: ["b\\n    up touch ${MARKER}"]}\n`, "interfaces.0.nameservers.search.0", "expected one word"],
];

describe("network-config names and values: exit 1 naming network-config and the field", () => {
  test(`all ${NETWORK.length} cases`, () => expectAllRefused(NETWORK, "network-config"), 120_000);
});

describe("names and keys from the cloud's own meta-data", () => {
  const META: [string, string, string, string][] = [
    ["local-hostname -F/etc/shadow", "instance-id: i-1\nlocal-hostname: '-F/etc/shadow'\n", "local-hostname", "expected a host name"],
    ["local-hostname with ;", `instance-id: i-1\nlocal-hostname: ${q(`web;touch ${MARKER}`)}\n`, "local-hostname", "expected a host name"],
    ["local-hostname with a newline", 'instance-id: i-1\nlocal-hostname: "web\\n127.0.0.1 evil"\n', "local-hostname", "expected a host name"],
    ["instance-id that climbs (it names a state directory)", "instance-id: ../../../outside\n", "instance-id", ""],
  ];
  test.each(META)("NoCloud meta-data %s: exit 1 naming meta-data and the field", async (_what, meta, field, message) => {
    const c = userDataCase(`#cloud-config\nruncmd: [[touch, ${MARKER}]]\n`, meta);
    const before = outsideOf(c);
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain(`${c.seed}/meta-data: ${field}: ${message}`);
    expect(outsideOf(c)).toEqual(before);
    expect(existsSync(MARKER)).toBe(false);
  });

  test("a config drive's public key with a second key after a newline: exit 1 naming the key", async () => {
    const c = configDriveCase({ public_keys: { mykey: `${KEY} a\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQEvil evil` } });
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain(`agent: ${c.seed}: public_keys[0]: expected one SSH public key line`);
  });

  test("a config drive's hostname --help: exit 1 naming meta_data.json", async () => {
    const c = configDriveCase({ hostname: "--help" });
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain(`${c.seed}:openstack/latest/meta_data.json: hostname: expected a host name`);
  });

  test("EC2 local-hostname $(…) from the metadata service: exit 1 naming the URL", async () => {
    const server = ec2Server({ ...FULL_EC2, "/latest/meta-data/local-hostname": `$(touch ${MARKER})`, "/latest/meta-data/hostname": `$(touch ${MARKER})` });
    const c = newCase();
    const run = await runAgent(["boot", "--dry-run", "--root", c.root, "--metadata-url", server.url, "--transport", "metadata-http"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${server.url}/latest/meta-data/: local-hostname: expected a host name`);
    expect(existsSync(MARKER)).toBe(false);
  });
});

describe("contained rather than refused", () => {
  test("a key with options (command=, from=) is the user's to give: written as one line, exactly, nothing run", async () => {
    const line = `command="touch ${MARKER}",from="10.0.0.1",no-pty ${KEY} alice@laptop`;
    const c = userDataCase(user(`    ssh_authorized_keys:\n      - ${q(line)}\n`));
    const boot = await bootSeed(c);
    expect(boot.code).toBe(0);
    expect(readFileSync(join(c.root, "home/alice/.ssh/authorized_keys"), "utf8")).toBe(`${line}\n`);
    expect(existsSync(MARKER)).toBe(false);
  });

  test("useradd sees each hostile-looking value as one argument, never a shell's; the positional name is checked", async () => {
    // gecos may hold a shell's metacharacters: it is an argument, never a command.
    const gecos = `Alice $(touch ${MARKER}); \`id\` | cat`;
    const c = userDataCase(user(`    gecos: ${q(gecos)}\n`));
    const boot = await bootSeed(c);
    expect(boot.code).toBe(0);
    const useradd = boot.json.steps.find((s: { target: string }) => s.target.startsWith("useradd"));
    expect(useradd.status).toBe("ok");
    expect(readFileSync(join(c.root, "etc/passwd"), "utf8")).toContain(`alice:x:1000:1000:${gecos}:/home/alice:`);
    expect(existsSync(MARKER)).toBe(false);
  });
});
