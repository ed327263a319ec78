import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";
import { fakeBin, pathWith, scanOutputs, scanTree, SECRET_HOLDERS, secretDrive, targetRoot, tempDirs } from "./rig.ts";

/**
 * A chpasswd that fails and echoes its whole stdin (the user:hash lines) to stderr and stdout, as a
 * program quoting the line it choked on would: its words reach the step's message, the journal,
 * last-run.json, `agent status` and --json, and none of them may carry a hash or a password.
 */
const temps = tempDirs();
afterAll(temps.cleanup);

/** The hashes chpasswd was given, captured by the fake: they are secrets too (salted, so only known here). */
function capturedHashes(capture: string): Record<string, string> {
  const lines = readFileSync(capture, "utf8").split("\n").filter(Boolean);
  expect(lines.length).toBe(3);
  return Object.fromEntries(lines.map((line) => [`chpasswd input for ${line.split(":")[0]}`, line.split(":").slice(1).join(":")]));
}

describe("secrets: a failing chpasswd that echoes its input", () => {
  test("boot (text and --json, trace), status (text and --json), the journal and the records: the echo is redacted everywhere", async () => {
    const dir = temps.make();
    const capture = join(dir, "chpasswd-input");
    const bin = fakeBin(join(dir, "bin"), {
      chpasswd: `input=$(cat)\nprintf '%s\\n' "$input" > ${capture}\necho "chpasswd: line 1: cannot parse: $input" >&2\necho "read: $input"\nexit 1`,
    });
    const drive = secretDrive(join(dir, "drive"));
    const outputs: Record<string, string> = {};
    let extra: Record<string, string> = {};
    for (const json of [false, true]) {
      const root = targetRoot(temps.make());
      const run = await runAgent(["boot", "--seed", drive, "--root", root, "--log-level", "trace", ...(json ? ["--json"] : [])], { env: { PATH: pathWith(bin) } });
      expect(run.code).toBe(1);
      extra = { ...extra, ...capturedHashes(capture) };
      outputs[`boot${json ? " --json" : ""}`] = run.stdout + run.stderr;
      const status = await runAgent(["status", "--root", root]);
      const statusJson = await runAgent(["status", "--root", root, "--json"]);
      outputs[`status after boot${json ? " --json" : ""}`] = status.stdout + status.stderr + statusJson.stdout + statusJson.stderr;
      expect(scanTree(root, SECRET_HOLDERS, extra)).toEqual([]);
      expect(scanOutputs({ status: outputs[`status after boot${json ? " --json" : ""}`] as string }, extra)).toEqual([]);
      // The failure is reported, with chpasswd's words: the scan read the place a leak would be.
      expect(status.stdout).toContain("chpasswd: line 1: cannot parse: [redacted]");
      expect(JSON.parse(statusJson.stdout).lastRun.errors.join("\n")).toContain("cannot parse: [redacted]");
      const journal = readFileSync(join(root, "var/lib/tether/journal.json"), "utf8");
      expect(JSON.parse(journal)).toMatchObject({ state: "failed" });
    }
    expect(scanOutputs(outputs, extra)).toEqual([]);
    expect(outputs["boot --json"]).toContain("cannot parse: [redacted]");
  }, 60_000);
});
