/**
 * Lane 2 for the identity actions: plan on a real Debian bookworm root (debootstrap, cached), apply
 * with the real plan engine and shadow's own tools (`useradd -R`, `chpasswd -R`, …), then let the
 * distribution judge the result: pwck, grpck, sshd -t, visudo -c, the shadow hash checked by
 * python3's crypt, modes and owners by stat. Planning again on the result and applying changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostnameAction } from "../../src/actions/hostname.ts";
import type { BootInputs } from "../../src/actions/inputs.ts";
import { passwordsAction } from "../../src/actions/passwords.ts";
import { sshKeysAction } from "../../src/actions/ssh-keys.ts";
import type { Action, OsFacts } from "../../src/actions/types.ts";
import { usersAction } from "../../src/actions/users.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import type { Host } from "../../src/host/types.ts";
import type { InstanceData } from "../../src/model/instance-data.ts";
import { Secret } from "../../src/model/secret.ts";
import { distroFromOsRelease, parseOsRelease } from "../../src/os/linux/distro.ts";
import { parseGroup, parsePasswd } from "../../src/os/linux/passwd.ts";
import { applyPlan, type ApplyResult } from "../../src/plan/apply.ts";
import type { Plan } from "../../src/plan/change.ts";
import { readUserData } from "../../src/userdata/index.ts";
import { runArgv } from "../helpers/run-agent.ts";
import { debianRoot } from "./debian-root-cache.ts";

const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
const ACTIONS: Action[] = [hostnameAction, usersAction, sshKeysAction, passwordsAction];
const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDjI";
const ECDSA = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT";

const USER_DATA = `#cloud-config
hostname: web1
fqdn: web1.example.test
manage_etc_hosts: true
groups:
  - ops: [carol]
  - ci
users:
  - default
  - name: alice
    gecos: Alice Example
    groups: [adm, ops]
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    lock_passwd: false
    plain_text_passwd: "correct horse battery"
    ssh_authorized_keys: ["${ED} alice@laptop", "${ED} alice@laptop-again"]
  - name: bob
    uid: 2001
    homedir: /srv/bob
    primary_group: ci
    sudo: ["ALL=(ALL) /usr/bin/systemctl restart nginx"]
    ssh_authorized_keys: ["${ECDSA} bob"]
  - name: svc
    system: true
  - name: carol
    groups: ops
ssh_authorized_keys: ["${RSA} ops@bastion"]
chpasswd:
  users:
    - {name: bob, type: text, password: "bob's secret"}
ssh_pwauth: false
`;

/** debootstrap leaves /etc/hosts to the installer: this is what Debian's installer writes. */
const DEBIAN_HOSTS = "127.0.0.1\tlocalhost\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n";

let root = "";
let host: Host;
const logs: string[] = [];
let prepareMs = 0;
let built = false;

/** A deterministic random source: the second plan must hash to the same bytes as the first. */
function seeded(): (n: number) => Uint8Array {
  let x = 7;
  return (n) => Uint8Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff);
}

async function inputs(): Promise<BootInputs> {
  const data: InstanceData = {
    source: { transport: "config-drive", location: "test seed" },
    instanceId: "iid-debian-1",
    publicKeys: [`${ED} cloud-key`],
    adminPassword: new Secret("admin pass 1"),
    userData: new TextEncoder().encode(USER_DATA),
    files: [],
    metadata: {},
  };
  return { data, userData: await readUserData(data.userData as Uint8Array, { source: "test seed user-data" }), warnings: [] };
}

/** What src/os/linux/facts.ts will gather, read here directly from the tree. */
function factsOf(actionInputs: BootInputs): OsFacts {
  const read = (path: string) => {
    try {
      return readFileSync(join(root, path), "latin1");
    } catch {
      return undefined;
    }
  };
  const base = {
    root,
    offline: true,
    distro: distroFromOsRelease(parseOsRelease(read("/etc/os-release") ?? "")),
    passwd: parsePasswd(read("/etc/passwd") ?? ""),
    group: parseGroup(read("/etc/group") ?? ""),
    nics: [],
    now: Date.UTC(2026, 0, 1),
    random: seeded(),
  };
  const paths = ACTIONS.flatMap((a) => a.reads?.(actionInputs, base) ?? []);
  return { ...base, files: Object.fromEntries(paths.map((p) => [p, read(p)])) };
}

async function planAndApply(): Promise<{ plan: Plan; result: ApplyResult }> {
  const i = await inputs();
  const facts = factsOf(i);
  const plan: Plan = { instanceId: i.data.instanceId, steps: ACTIONS.map((a) => ({ action: a.name, changes: a.plan(i, facts) })) };
  return { plan, result: await applyPlan(host, plan) };
}

async function inRoot(argv: string[]) {
  return runArgv(["chroot", root, ...argv], { env: { PATH } });
}

const shadowHash = (user: string) => readFileSync(join(root, "etc/shadow"), "utf8").split("\n").find((l) => l.startsWith(`${user}:`))?.split(":")[1] ?? "";

/** Whether each shadow hash is that of its password, by glibc/libxcrypt (python3's crypt), in one process. */
async function cryptMatches(pairs: [string, string][]): Promise<boolean[]> {
  const py = "import crypt,json,sys; print(json.dumps([crypt.crypt(p, h) == h for p, h in json.loads(sys.argv[1])]))";
  const run = await runArgv(["python3", "-W", "ignore", "-c", py, JSON.stringify(pairs)], { env: { PATH } });
  return JSON.parse(run.stdout) as boolean[];
}

let first: { plan: Plan; result: ApplyResult };
/** pwck and grpck on the pristine root: minbase's own system users already lack homes (exit 2). */
const baseline: Record<string, { code: number; lines: string[] }> = {};
const CHECKERS = [["pwck", "-r"], ["grpck", "-r"]];
const linesOf = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

beforeAll(async () => {
  const made = await debianRoot();
  root = made.root;
  built = made.built;
  prepareMs = made.ms;
  const sshKeygen = await runArgv(["chroot", root, "ssh-keygen", "-A"], { env: { PATH } });
  if (sshKeygen.code !== 0) throw new Error(`ssh-keygen -A: ${sshKeygen.stderr}`);
  mkdirSync(join(root, "run/sshd"), { recursive: true });
  writeFileSync(join(root, "etc/hosts"), DEBIAN_HOSTS);
  for (const argv of CHECKERS) {
    const run = await inRoot(argv);
    baseline[argv.join(" ")] = { code: run.code, lines: linesOf(run.stdout + run.stderr) };
  }
  // An account the image already has: it must be extended, never recreated.
  const carol = await runArgv(["useradd", "-R", root, "-m", "-s", "/bin/sh", "carol"], { env: { PATH } });
  if (carol.code !== 0) throw new Error(`useradd carol: ${carol.stderr}`);
  host = await createRealHost({ root, log: createLogger({ level: "debug", json: false, write: (l) => void logs.push(l) }) });
  first = await planAndApply();
  console.log(`debian root ${built ? "built by debootstrap and " : ""}extracted in ${prepareMs} ms; first apply ${first.result.ms} ms`);
}, 900_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("identity actions on a real Debian root", () => {
  test("the first apply succeeds step by step", () => {
    const failed = first.result.steps.filter((s) => s.status === "failed");
    expect(failed.map((s) => `${s.target}: ${s.message} ${s.run?.stderr ?? ""}`)).toEqual([]);
    expect(first.result.ok).toBe(true);
  });

  test("pwck and grpck find nothing that was not there before", async () => {
    for (const argv of CHECKERS) {
      const run = await inRoot(argv);
      const was = baseline[argv.join(" ")];
      expect({ argv, code: run.code, lines: linesOf(run.stdout + run.stderr) }).toEqual({ argv, code: was?.code ?? 0, lines: was?.lines ?? [] });
    }
  });

  test("sshd and sudo accept their configuration", async () => {
    for (const argv of [["/usr/sbin/sshd", "-t", "-f", "/etc/ssh/sshd_config"], ["visudo", "-c"]]) {
      const run = await inRoot(argv);
      expect({ argv, code: run.code, out: run.stdout + run.stderr }).toEqual({ argv, code: 0, out: expect.any(String) });
    }
  });

  test("users and groups are as asked", async () => {
    const passwd = parsePasswd(readFileSync(join(root, "etc/passwd"), "utf8"));
    const group = parseGroup(readFileSync(join(root, "etc/group"), "utf8"));
    const user = (n: string) => passwd.find((p) => p.name === n);
    const members = (g: string) => group.find((e) => e.name === g)?.members ?? [];
    expect(user("alice")).toMatchObject({ gecos: "Alice Example", home: "/home/alice", shell: "/bin/bash" });
    expect(user("bob")).toMatchObject({ uid: 2001, home: "/srv/bob", gid: group.find((g) => g.name === "ci")?.gid });
    expect((user("svc")?.uid ?? 9999) < 1000).toBe(true);
    expect(user("debian")).toMatchObject({ gecos: "Debian", shell: "/bin/bash" });
    expect(members("ops").sort()).toEqual(["alice", "carol"]);
    expect(members("adm")).toContain("alice");
    for (const g of ["sudo", "netdev", "plugdev"]) expect(members(g)).toContain("debian");
    // carol existed: same uid, same home, only a group more.
    expect(user("carol")).toMatchObject({ home: "/home/carol", shell: "/bin/sh" });
    expect((await inRoot(["id", "-nG", "carol"])).stdout.trim().split(" ").sort()).toEqual(["carol", "ops"]);
  });

  test("passwords: hashes python3's crypt accepts, locks and expiry as cloud-init sets them", async () => {
    const pairs: [string, string][] = [["correct horse battery", shadowHash("alice")], ["bob's secret", shadowHash("bob")], ["admin pass 1", shadowHash("root")], ["wrong", shadowHash("alice")]];
    expect(await cryptMatches(pairs)).toEqual([true, true, true, false]);
    expect(shadowHash("debian").startsWith("!")).toBe(true);
    expect(shadowHash("svc").startsWith("!")).toBe(true);
    const bobShadow = readFileSync(join(root, "etc/shadow"), "utf8").split("\n").find((l) => l.startsWith("bob:")) ?? "";
    expect(bobShadow.split(":")[2]).toBe("0");
    expect(readFileSync(join(root, "etc/ssh/sshd_config.d/50-tether-pwauth.conf"), "utf8")).toContain("PasswordAuthentication no\n");
    const effective = await inRoot(["/usr/sbin/sshd", "-T", "-C", "user=alice,host=x,addr=127.0.0.1"]);
    expect(effective.stdout).toContain("passwordauthentication no");
  });

  test("authorized_keys: modes, owners, one line per key, root closed with cloud-init's message", () => {
    const check = (path: string, mode: number, owner: string) => {
      const st = statSync(join(root, path));
      const passwd = parsePasswd(readFileSync(join(root, "etc/passwd"), "utf8"));
      const group = parseGroup(readFileSync(join(root, "etc/group"), "utf8"));
      expect({ path, mode: st.mode & 0o7777, owner: `${passwd.find((p) => p.uid === st.uid)?.name}:${group.find((g) => g.gid === st.gid)?.name}` }).toEqual({ path, mode, owner });
    };
    check("home/alice/.ssh", 0o700, "alice:alice");
    check("home/alice/.ssh/authorized_keys", 0o600, "alice:alice");
    check("srv/bob/.ssh/authorized_keys", 0o600, "bob:ci");
    check("home/debian/.ssh/authorized_keys", 0o600, "debian:debian");
    check("root/.ssh/authorized_keys", 0o600, "root:root");
    expect(readFileSync(join(root, "home/alice/.ssh/authorized_keys"), "utf8")).toBe(`${ED} alice@laptop\n`);
    expect(readFileSync(join(root, "home/debian/.ssh/authorized_keys"), "utf8")).toBe(`${ED} cloud-key\n${RSA} ops@bastion\n`);
    const rootKeys = readFileSync(join(root, "root/.ssh/authorized_keys"), "utf8");
    expect(rootKeys.split("\n")[0]).toBe(`no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo 'Please login as the user \\"debian\\" rather than the user \\"root\\".';echo;sleep 10;exit 142" ${ED} cloud-key`);
  });

  test("host name files", () => {
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("web1\n");
    const hosts = readFileSync(join(root, "etc/hosts"), "utf8");
    expect(hosts).toBe(DEBIAN_HOSTS.replace("localhost\n", "localhost\n127.0.1.1 web1.example.test web1\n"));
  });

  test("planning again on the result and applying changes nothing", async () => {
    const accountFiles = ["etc/passwd", "etc/group", "etc/shadow", "etc/gshadow", "etc/sudoers.d/90-tether-users", "etc/hosts", "root/.ssh/authorized_keys"];
    const before = accountFiles.map((f) => readFileSync(join(root, f), "utf8"));
    const second = await planAndApply();
    expect(second.result.ok).toBe(true);
    // No account is created or extended again; what must run every time (chpasswd, lock, expire) sets the same values.
    const runs = second.plan.steps.flatMap((s) => s.changes).flatMap((c) => (c.kind === "run" ? [c.argv] : []));
    expect(runs.filter((argv) => argv[0] === "useradd" || argv[0] === "groupadd" || argv.includes("-G"))).toEqual([]);
    for (const step of second.result.steps) if (step.kind !== "run") expect({ target: step.target, status: step.status }).toEqual({ target: step.target, status: "skipped-unchanged" });
    expect(accountFiles.map((f) => readFileSync(join(root, f), "utf8"))).toEqual(before);
    expect(logs.join("")).not.toContain("correct horse");
    expect(logs.join("")).not.toContain("admin pass");
  });
});
