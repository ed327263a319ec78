import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { recordAgentOutput } from "../helpers/output-log.ts";
import { assertStaysLocal, MAIN, REPO, type AgentRun } from "../helpers/run-agent.ts";
import { describeFindings, findSecrets, secretForms } from "../helpers/secret-scan.ts";
import { SSH_PRIVATE_KEY, TEST_SECRETS } from "../helpers/test-secrets.ts";

/** Temp dirs of a test file, removed by `cleanup` (its afterAll). */
export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(prefix = "tether-sec-"): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    cleanup: () => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })),
  };
}

export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** The example Debian-like root, its /etc/shadow 0640 as Debian ships it. */
export function targetRoot(dir: string): string {
  makeTargetRoot(dir);
  chmodSync(join(dir, "etc/shadow"), 0o640);
  return dir;
}

const indented = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");

/**
 * One of every password and key a cloud gives, as cloud-config user-data. The SSH key comes twice:
 * without permissions (so 0600 by the agent's rule) and with 0644 given (kept: the user's call).
 */
export const SECRET_USER_DATA = `#cloud-config
users:
  - default
  - name: alice
    plain_text_passwd: ${TEST_SECRETS.plainTextPasswd}
    lock_passwd: false
  - name: bob
chpasswd:
  expire: false
  users:
    - {name: alice, type: text, password: ${TEST_SECRETS.chpasswdText}}
    - {name: bob, type: hash, password: "${TEST_SECRETS.chpasswdHash}"}
password: ${TEST_SECRETS.defaultPassword}
write_files:
  - path: /etc/app/secret.env
    permissions: '0600'
    content: "API_TOKEN=${TEST_SECRETS.privateFile}\\n"
  - path: /root/.ssh/id_ed25519
    content: |
${indented(SSH_PRIVATE_KEY)}
  - path: /etc/app/deploy_key
    permissions: '0644'
    content: |
${indented(SSH_PRIVATE_KEY)}
`;

/** A config-drive tree: admin_pass (Nova's), meta.admin_pass (cloudbase-init's) and the user-data above. */
export function secretDrive(dir: string, instanceId = "iid-secrets-1"): string {
  return writeTree(dir, {
    "openstack/latest/meta_data.json": JSON.stringify({ uuid: instanceId, hostname: "sec-host", admin_pass: TEST_SECRETS.adminPass, meta: { admin_pass: TEST_SECRETS.metaAdminPass, role: "web" } }),
    "openstack/latest/user_data": SECRET_USER_DATA,
  });
}

/** Files that are meant to hold a planted secret: the shadow file (and shadow-, the previous one chpasswd keeps), the write_files targets. */
export const SECRET_HOLDERS = ["/etc/shadow", "/etc/shadow-", "/etc/app/secret.env", "/root/.ssh/id_ed25519", "/etc/app/deploy_key"];

/** Every finding of a secret (registered ones plus `extra`) in named outputs, as lines: [] when clean. */
export function scanOutputs(outputs: Record<string, string>, extra: Record<string, string> = {}): string[] {
  const forms = secretForms({ ...TEST_SECRETS, ...extra });
  return Object.entries(outputs).flatMap(([name, text]) => {
    const bytes = new TextEncoder().encode(text);
    return describeFindings(name, bytes, findSecrets(bytes, forms));
  });
}

/** Every regular file under `root`, as paths inside it. */
export function filesUnder(root: string, dir = ""): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    const stat = lstatSync(join(root, path));
    if (stat.isDirectory()) return filesUnder(root, path);
    return stat.isFile() ? [path] : [];
  });
}

/** Findings in every file under `root` but the holders (and their backups). */
export function scanTree(root: string, holders: string[], extra: Record<string, string> = {}): string[] {
  const forms = secretForms({ ...TEST_SECRETS, ...extra });
  const skip = (path: string) => holders.some((h) => path === h || path === `${h}.tether-bak`);
  return filesUnder(root)
    .filter((path) => !skip(path))
    .flatMap((path) => {
      const bytes = readFileSync(join(root, path));
      return describeFindings(path, bytes, findSecrets(bytes, forms));
    });
}

/**
 * A bin directory for PATH holding programs named `names`, each a shell script. Under --root the
 * agent runs chpasswd and friends from PATH, so a test can put a fake one first.
 */
export function fakeBin(dir: string, programs: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, script] of Object.entries(programs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

export const pathWith = (bin: string) => `${bin}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`;

export interface SpawnedAgent {
  pid: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** What it wrote to stderr so far: a race's test waits on a log line rather than a guessed delay. */
  stderr(): string;
  /** Settles when it exits, with everything it printed (recorded for the secrets scan too). */
  done: Promise<AgentRun>;
}

/** `agent ARGS` from source in the background, for races: its pid now, its log as it comes, its outcome later. */
export function spawnAgent(args: string[], env: Record<string, string> = {}): SpawnedAgent {
  assertStaysLocal(args);
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let err = "";
  const decoder = new TextDecoder();
  const stderrDone = (async () => {
    for await (const chunk of proc.stderr) err += decoder.decode(chunk, { stream: true });
  })();
  const done = Promise.all([new Response(proc.stdout).text(), stderrDone, proc.exited]).then(([stdout, , code]) => {
    recordAgentOutput(args, stdout, err);
    return { code, stdout, stderr: err };
  });
  return { pid: proc.pid, proc, stderr: () => err, done };
}

/**
 * A chpasswd that logs "start PID NS" and "end PID NS" to `log` around its work, and in between waits
 * for `gate` to exist (30 s at most) and then sleeps for the seconds in `hold` (if any): a test
 * decides how long a boot holds the lock, and sees whether two runs ever overlap.
 */
export function gatedChpasswd(dir: string): { bin: string; log: string; gate: string; hold: string } {
  const log = join(dir, "chpasswd.log");
  const gate = join(dir, "gate");
  const hold = join(dir, "hold");
  const script = [
    `echo "start $$ $(date +%s%N)" >> ${log}`,
    "cat > /dev/null",
    `n=0; while [ ! -e ${gate} ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done`,
    `[ -e ${hold} ] && sleep "$(cat ${hold})"`,
    `echo "end $$ $(date +%s%N)" >> ${log}`,
  ].join("\n");
  return { bin: fakeBin(join(dir, "bin"), { chpasswd: script }), log, gate, hold };
}

/** The runs chpasswd saw, as [start, end] pairs by its pid, in start order. */
export function chpasswdRuns(log: string): { pid: string; start: bigint; end: bigint | null }[] {
  const runs = new Map<string, { pid: string; start: bigint; end: bigint | null }>();
  const text = existsSync(log) ? readFileSync(log, "utf8") : "";
  for (const line of text.split("\n").filter(Boolean)) {
    const [what, pid = "", ns = "0"] = line.split(" ");
    if (what === "start") runs.set(pid, { pid, start: BigInt(ns), end: null });
    else if (runs.has(pid)) (runs.get(pid) as { end: bigint | null }).end = BigInt(ns);
  }
  return [...runs.values()].sort((a, b) => (a.start < b.start ? -1 : 1));
}

/** Waits until `check` holds, polling; throws after `ms`. */
export async function until(check: () => boolean, ms = 15_000, what = "a condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await Bun.sleep(20);
  }
}
