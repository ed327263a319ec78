import { describe, expect, test } from "bun:test";
import pkg from "../package.json" with { type: "json" };
import { REPO, runAgent } from "./helpers/run-agent.ts";

const COMMANDS = ["boot", "daemon", "probe", "status", "validate", "render-network", "install", "version"];

describe("agent CLI", () => {
  test("--version prints the package version", async () => {
    const run = await runAgent(["--version"]);
    expect(run).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  test("--help lists every command, the global flags and the exit codes, in plain text on a pipe", async () => {
    const run = await runAgent(["--help"]);
    expect(run.code).toBe(0);
    for (const name of COMMANDS) expect(run.stdout).toContain(`  ${name}  `);
    for (const flag of ["--root", "--json", "--log-level"]) expect(run.stdout).toContain(flag);
    expect(run.stdout).toContain("Exit codes: 0 done, 1 failed");
    expect(run.stdout).not.toContain("\x1b[");
  });

  for (const name of COMMANDS) {
    test(`agent ${name} --help explains itself`, async () => {
      const run = await runAgent([name, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`agent ${name}`);
      expect(run.stdout).toContain("--root");
    });
  }

  test("a failure says what was looked for, on stderr, and exits 1", async () => {
    const run = await runAgent(["daemon", "--transport", "virtio", "--root", REPO]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("agent daemon --transport virtio: no agent port (no virtio-serial ports in /sys/class/virtio-ports)");
  });

  const usage: [string[], string][] = [
    [[], "no command given"],
    [["bogus"], 'unknown command "bogus"'],
    [["--bogus"], "unknown option --bogus"],
    [["boot", "--seed", "examples/nocloud", "--root", "/nonexistent", "--dryrun"], "agent boot: unknown option --dryrun"],
    [["version", "extra"], "agent version: unexpected argument"],
    [["boot", "--root", "/nonexistent", "--seed"], "agent boot: --seed needs a value"],
    [["version", "--log-level", "loud"], '--log-level "loud": expected silent, error, warn, info, debug or trace'],
    [["boot", "--dry-run", "--seed", "examples/nocloud", "--root", "/no/such/dir"], "--root /no/such/dir: no such directory"],
  ];
  for (const [argv, message] of usage) {
    test(`usage error exits 2: agent ${argv.join(" ")}`, async () => {
      const run = await runAgent(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    });
  }

  test("global flags work before the command too", async () => {
    const run = await runAgent(["--json", "version"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ version: pkg.version, platform: process.platform, arch: process.arch });
  });

  test("--json errors are JSON on stdout too", async () => {
    const run = await runAgent(["daemon", "--transport", "virtio", "--root", REPO, "--json"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ error: { message: "agent daemon --transport virtio: no agent port (no virtio-serial ports in /sys/class/virtio-ports)" } });
  });

  test("--log-level debug and $TETHER_LOG_LEVEL show the start-up line on stderr, never on stdout", async () => {
    const byFlag = await runAgent(["version", "--log-level", "debug"]);
    expect(byFlag.stdout).toBe(`${pkg.version}\n`);
    expect(byFlag.stderr).toContain(`agent ${pkg.version} on bun`);
    const byEnv = await runAgent(["version"], { env: { TETHER_LOG_LEVEL: "debug" } });
    expect(byEnv.stderr).toContain(`agent ${pkg.version} on bun`);
    const quiet = await runAgent(["version"]);
    expect(quiet.stderr).toBe("");
  });
});
