import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAIN, runAgent } from "../helpers/run-agent.ts";

const dir = mkdtempSync(join(tmpdir(), "tether-validate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

describe("agent validate", () => {
  test("a valid user-data: exit 0, `FILE: valid`, warnings on stderr", async () => {
    const path = file("ok.yaml", "#cloud-config\nhostname: web\napt: {}\n");
    const run = await runAgent(["validate", path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${path}: valid\n`);
    expect(run.stderr).toBe("warning: apt: not a supported cloud-config key, ignored\n");
    expect((await runAgent(["validate", "examples/nocloud/user-data"])).code).toBe(0);
  });

  test("each problem on its own line as `path: message`, exit 1", async () => {
    const path = file("bad.yaml", "#cloud-config\nwrite_files:\n  - path: /etc/x\n    permissions: rwx\nusers: [{name: a, uid: x}]\n");
    const run = await runAgent(["validate", path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('users[0].uid: expected a user id (a whole number), got "x"\nwrite_files[0].permissions: expected octal string or number, got "rwx"\n');
    expect(run.stderr).toBe(`agent: ${path}: 2 problems\n`);
  });

  test("--json: {valid, kind, problems, warnings}", async () => {
    const bad = await runAgent(["validate", file("bad2.yaml", "#cloud-config\nruncmd: [[echo, yes]]\n"), "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({
      valid: false,
      kind: "user-data",
      problems: [{ path: "runcmd[0][1]", message: "expected a string, got true (YAML 1.1 reads yes/no/on/off as booleans: quote it)" }],
      warnings: [],
    });
    const ok = await runAgent(["validate", "--json", file("ok2.yaml", "#cloud-config\nfoo: 1\n")]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true, kind: "user-data", problems: [], warnings: ["foo: not a supported cloud-config key, ignored"] });
  });

  test("--kind meta-data and network-config", async () => {
    const meta = await runAgent(["validate", "--kind", "meta-data", file("meta", "local-hostname: 'a b'\npublic-keys: [1]\n")]);
    expect(meta.code).toBe(1);
    expect(meta.stdout).toBe('instance-id: required\nlocal-hostname: expected a host name (letters, digits, inner hyphens; labels of 1-63, 253 in all), got "a b"\npublic-keys: expected a string, a list of strings, or a map of name to key\n');
    expect((await runAgent(["validate", "--kind", "meta-data", "examples/nocloud/meta-data"])).code).toBe(0);
    const net = await runAgent(["validate", "--kind", "network-config", file("net", "network: {version: 3}\n")]);
    expect(net.code).toBe(1);
    expect(net.stdout).toBe("network.version: expected 1 or 2, got 3\n");
    expect((await runAgent(["validate", "--kind", "network-config", "examples/nocloud/network-config"])).code).toBe(0);
    const wrong = await runAgent(["validate", "--kind", "vendor-data", "x"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--kind "vendor-data": expected one of user-data, network-config, meta-data');
  });

  test("- reads stdin; a huge input is refused under the limit", async () => {
    const stdin = Bun.spawn([process.execPath, MAIN, "validate", "-"], { stdin: new Blob(["#cloud-config\nhostname: from-stdin\n"]), stdout: "pipe", stderr: "pipe" });
    expect(await stdin.exited).toBe(0);
    expect(await new Response(stdin.stdout).text()).toBe("-: valid\n");

    const big = file("big", new Uint8Array((16 << 20) + 1).fill(0x20));
    const run = await runAgent(["validate", big]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`larger than the limit of ${16 << 20} bytes: refused\n`);

    const endless = Bun.spawn(["sh", "-c", `head -c 20000000 /dev/zero | "${process.execPath}" "${MAIN}" validate -`], { stdout: "pipe", stderr: "pipe" });
    expect(await endless.exited).toBe(1);
    expect(await new Response(endless.stdout).text()).toBe(`larger than the limit of ${16 << 20} bytes: refused\n`);
  });

  test("a missing file is exit 1 naming it; a directory is refused", async () => {
    const missing = await runAgent(["validate", join(dir, "nope")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`agent: ${join(dir, "nope")}: no such file`);
    const directory = await runAgent(["validate", dir]);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toContain("not a regular file (a dir; use - to read stdin)");
  });

  test("a relative FILE is read from the current directory, whatever --root says", async () => {
    file("rel.yaml", "#cloud-config\nhostname: rel\n");
    const run = await runAgent(["validate", "rel.yaml", "--root", dir], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("rel.yaml: valid\n");
  });
});
