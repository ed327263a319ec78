import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { buildBinary, TARGETS, type TargetName } from "../../scripts/build-binaries.ts";
import { runArgv } from "../helpers/run-agent.ts";

const native: TargetName = process.arch === "arm64" ? "linux-arm64" : "linux-x64";
const work = mkdtempSync(join(tmpdir(), "tether-build-"));
const hostileDir = join(work, "hostile");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A working directory an attacker prepared: a .env that turns on debug logs, a bunfig that preloads code. */
beforeAll(() => {
  mkdirSync(hostileDir);
  writeFileSync(join(hostileDir, ".env"), "TETHER_LOG_LEVEL=debug\n");
  writeFileSync(join(hostileDir, "bunfig.toml"), 'preload = ["./hostile.js"]\n');
  writeFileSync(join(hostileDir, "hostile.js"), 'require("node:fs").writeFileSync("pwned", "1");\n');
});

async function runInHostileDir(binary: string) {
  rmSync(join(hostileDir, "pwned"), { force: true });
  const run = await runArgv([binary, "version"], { cwd: hostileDir });
  return { ...run, preloaded: existsSync(join(hostileDir, "pwned")) };
}

describe("build-binaries", () => {
  test("the target table names the five release binaries", () => {
    expect(Object.values(TARGETS).map((t) => t.file)).toEqual([
      "agent-linux-x64",
      "agent-linux-x64-musl",
      "agent-linux-arm64",
      "agent-linux-arm64-musl",
      "agent-windows-x64.exe",
    ]);
    for (const t of ["linux-x64", "linux-x64-musl", "windows-x64"] as const) expect(TARGETS[t].bun).toContain("baseline");
  });

  test(
    "the release binary ignores .env and bunfig.toml in its working directory; a default build would not",
    async () => {
      const safe = join(work, "agent");
      const unsafe = join(work, "agent-autoload");
      await buildBinary(native, safe);
      await buildBinary(native, unsafe, { autoloadWorkingDirConfig: true });

      const control = await runInHostileDir(unsafe);
      expect(control.stderr).toContain("debug"); // the .env's TETHER_LOG_LEVEL took effect
      expect(control.preloaded).toBe(true); // bunfig.toml's preload ran

      const release = await runInHostileDir(safe);
      expect(release).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "", preloaded: false });
    },
    120_000,
  );
});
