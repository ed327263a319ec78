import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-boot-"));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe("agent boot", () => {
  test("--dry-run on the example seed prints the instance data and changes nothing under --root", async () => {
    const root = tempDir();
    const run = await runAgent(["boot", "--dry-run", "--seed", "examples/nocloud", "--root", root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("instance-id  iid-example-0001");
    expect(run.stdout).toContain("hostname     example-web-1");
    expect(run.stdout).toContain("network      v2 from examples/nocloud/network-config");
    expect(run.stdout).toContain("planning and applying changes (issue #7)");
    expect(readdirSync(root)).toEqual([]);
  });

  test("--json gives the instance data with user-data described, never shown", async () => {
    const run = await runAgent(["boot", "--dry-run", "--seed", "examples/nocloud", "--json"]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.dryRun).toBe(true);
    expect(out.plan).toBeNull();
    expect(out.instanceData.instanceId).toBe("iid-example-0001");
    expect(out.instanceData.userData).toMatchObject({ header: "#cloud-config" });
    expect(out.instanceData.userData.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.stdout).not.toContain("not-a-real-token");
    // logs are JSON lines on stderr
    for (const line of run.stderr.trim().split("\n")) expect(JSON.parse(line)).toHaveProperty("level");
  });

  test("a bad seed fails with exit 1, naming the file and the field", async () => {
    const seed = tempDir({ "meta-data": "instance-id: ok\nlocal-hostname: 'web 1'\n" });
    const run = await runAgent(["boot", "--dry-run", "--seed", seed]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${seed}/meta-data: local-hostname: expected a host name`);
    const json = await runAgent(["boot", "--dry-run", "--seed", seed, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({ source: `${seed}/meta-data`, problems: [{ path: "local-hostname" }] });
  });

  test("validation comes first: a bad seed without --dry-run is still exit 1, not 'not built'", async () => {
    const seed = tempDir({ "meta-data": "local-hostname: a\n" });
    const run = await runAgent(["boot", "--seed", seed]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("instance-id: required");
  });

  const notBuilt: [string, string[], string][] = [
    ["without --seed (probing)", ["boot", "--dry-run"], "issue #3"],
    ["without --dry-run (applying)", ["boot", "--seed", "examples/nocloud"], "issue #7"],
  ];
  for (const [name, argv, issue] of notBuilt) {
    test(`not built yet ${name}: exit 2, nothing done`, async () => {
      const run = await runAgent(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`is not built yet (${issue}); nothing was done`);
    });
  }

  test("a config-drive tree as --seed is named as not built yet", async () => {
    const seed = tempDir({ "openstack/latest/meta_data.json": "{}" });
    const run = await runAgent(["boot", "--dry-run", "--seed", seed]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("reading a config-drive tree (--seed with openstack/) is not built yet (issue #4)");
  });

  test("--seed that is not a directory is a usage error", async () => {
    const run = await runAgent(["boot", "--dry-run", "--seed", "package.json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--seed package.json: not a directory");
  });
});
