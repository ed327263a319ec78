import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";
import { TEST_SECRETS } from "../helpers/test-secrets.ts";
import { filesUnder, scanOutputs, scanTree, SECRET_HOLDERS, SECRET_USER_DATA, secretDrive, targetRoot, tempDirs } from "./rig.ts";

/**
 * `agent boot` and `agent status` given one of every secret (admin_pass, meta.admin_pass,
 * plain_text_passwd, chpasswd text and hash, password, a 0600 file, an SSH private key without
 * permissions): no output, at any log level, text or JSON, and no file but the ones meant to hold
 * them, shows any of them in any form the scan knows.
 */
const temps = tempDirs();
afterAll(temps.cleanup);

const mode = (root: string, path: string) => statSync(join(root, path)).mode & 0o7777;

describe("secrets: agent boot and agent status", () => {
  test("--dry-run, text and --json, at info, debug and trace: nothing shown", async () => {
    const drive = secretDrive(temps.make());
    const root = targetRoot(temps.make());
    const outputs: Record<string, string> = {};
    for (const level of ["info", "debug", "trace"]) {
      for (const json of [false, true]) {
        const run = await runAgent(["boot", "--dry-run", "--seed", drive, "--root", root, "--log-level", level, ...(json ? ["--json"] : [])]);
        expect(run.stderr).not.toContain("agent: ");
        expect(run.code).toBe(0);
        outputs[`dry-run ${level}${json ? " --json" : ""} stdout`] = run.stdout;
        outputs[`dry-run ${level}${json ? " --json" : ""} stderr`] = run.stderr;
      }
    }
    // The plan is there, its secrets only sized: the scan looks at real output, not at nothing.
    expect(outputs["dry-run info stdout"]).toContain("write /etc/app/secret.env (new, 0600 root:root)");
    expect(outputs["dry-run info stdout"]).toMatch(/content \(secret: \d+ bytes, not shown\)/);
    const plan = JSON.parse(outputs["dry-run info --json stdout"] as string);
    const key = plan.plan.steps.flatMap((s: { changes: { path?: string }[] }) => s.changes).find((c: { path?: string }) => c.path === "/root/.ssh/id_ed25519");
    expect(key).toMatchObject({ content: { secret: true }, mode: "0600" });
    const given = plan.plan.steps.flatMap((s: { changes: { path?: string }[] }) => s.changes).find((c: { path?: string }) => c.path === "/etc/app/deploy_key");
    expect(given).toMatchObject({ content: { secret: true }, mode: "0644" });
    expect(plan.instanceData).toMatchObject({ adminPassword: "[redacted]", metadata: { meta: { admin_pass: "[redacted]", role: "web" } } });
    expect(scanOutputs(outputs)).toEqual([]);
  }, 60_000);

  test("probe and boot --dry-run from the metadata service (loopback), at trace, text and --json: nothing shown", async () => {
    const meta = { uuid: "iid-secrets-http", hostname: "sec-http", admin_pass: TEST_SECRETS.adminPass, meta: { admin_pass: TEST_SECRETS.metaAdminPass } };
    const files: Record<string, string> = { "/openstack": "latest\n", "/openstack/latest/meta_data.json": JSON.stringify(meta), "/openstack/latest/user_data": SECRET_USER_DATA };
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => new Response(files[new URL(req.url).pathname] ?? "", { status: new URL(req.url).pathname in files ? 200 : 404 }) });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const root = targetRoot(temps.make());
      const outputs: Record<string, string> = {};
      for (const args of [["probe"], ["probe", "--json"], ["boot", "--dry-run"], ["boot", "--dry-run", "--json"]]) {
        const run = await runAgent([...args, "--root", root, "--metadata-url", url, "--log-level", "trace"]);
        expect([args.join(" "), run.code]).toEqual([args.join(" "), 0]);
        outputs[args.join(" ")] = run.stdout + run.stderr;
      }
      expect(scanOutputs(outputs)).toEqual([]);
      expect(outputs["boot --dry-run"]).toContain("iid-secrets-http");
    } finally {
      server.stop(true);
    }
  }, 60_000);

  test("apply, text at trace and --json at debug, then status: nothing shown, nothing written but where it belongs, each holder private", async () => {
    const drive = secretDrive(temps.make());
    const outputs: Record<string, string> = {};
    for (const [name, args] of [
      ["text trace", ["--log-level", "trace"]],
      ["json debug", ["--json", "--log-level", "debug"]],
    ] as const) {
      const root = targetRoot(temps.make());
      const run = await runAgent(["boot", "--seed", drive, "--root", root, ...args]);
      expect(run.code).toBe(0);
      outputs[`boot ${name} stdout`] = run.stdout;
      outputs[`boot ${name} stderr`] = run.stderr;
      for (const json of [false, true]) {
        const status = await runAgent(["status", "--root", root, "--log-level", "trace", ...(json ? ["--json"] : [])]);
        expect(status.code).toBe(0);
        outputs[`status after ${name}${json ? " --json" : ""}`] = status.stdout + status.stderr;
      }

      // Applied for real: the secrets went where they belong.
      expect(readFileSync(join(root, "etc/app/secret.env"), "utf8")).toContain(TEST_SECRETS.privateFile);
      expect(readFileSync(join(root, "root/.ssh/id_ed25519"), "utf8")).toContain(TEST_SECRETS.sshPrivateKeyBody);
      expect(readFileSync(join(root, "etc/shadow"), "utf8")).toContain(`bob:${TEST_SECRETS.chpasswdHash}:`);
      // Every other file the run wrote (records, journal, backups, sudoers, final message) is clean.
      expect(scanTree(root, SECRET_HOLDERS)).toEqual([]);

      // The holders: write_files as given (0600), a private key given no permissions 0600 (not
      // cloud-init's 0644); shadow keeps the mode the image gave it (chpasswd rewrites it in place).
      expect(mode(root, "etc/app/secret.env")).toBe(0o600);
      expect(mode(root, "root/.ssh/id_ed25519")).toBe(0o600);
      expect(mode(root, "etc/app/deploy_key")).toBe(0o644);
      expect(mode(root, "etc/shadow")).toBe(0o640);
      // The agent's own records: 0600 files in a 0700 directory.
      expect(mode(root, "var/lib/tether")).toBe(0o700);
      const records = filesUnder(root, "/var/lib/tether").filter((p) => !p.endsWith("final-message"));
      expect(records).toEqual(expect.arrayContaining(["/var/lib/tether/journal.json", "/var/lib/tether/last-run.json"]));
      for (const path of records) expect([path, mode(root, path)]).toEqual([path, 0o600]);
    }
    expect(outputs["status after text trace"]).toContain("iid-secrets-1");
    expect(scanOutputs(outputs)).toEqual([]);
  }, 60_000);
});
