import { describe, expect, test } from "bun:test";
import { HostError } from "../../src/errors.ts";
import { existsSync, readFileSync } from "node:fs";
import { RUN_OUTPUT_MAX_BYTES, RUN_PIPE_GRACE_MS, runProgram } from "../../src/host/real-run.ts";

describe("runProgram: argv, never a shell", () => {
  test("shell metacharacters reach the program as plain text", async () => {
    const hostile = "$(touch /tmp/tether-pwned); `id` | cat > /dev/null; echo hi";
    const result = await runProgram(["/bin/echo", hostile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${hostile}\n`);
  });

  test("input, exit code and stderr come back", async () => {
    const result = await runProgram(["/bin/sh", "-c", 'read x; echo "got $x" >&2; exit 3'], { input: "data\n" });
    expect(result).toEqual({ code: 3, stdout: "", stderr: "got data\n", timedOut: false });
  });

  test("a program past its timeout is killed and says so", async () => {
    const started = performance.now();
    const result = await runProgram(["/bin/sleep", "5"], { timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.code).not.toBe(0);
    expect(performance.now() - started).toBeLessThan(4000);
  });

  test("a timeout kills the program's whole process group, so children holding its output cannot hold the run", async () => {
    const started = performance.now();
    const result = await runProgram(["/bin/sh", "-c", "sleep 30 & sleep 30 & echo $! ; wait"], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    // Only sh was killed before: the sleeps kept the pipes open and the run lasted their 30 s.
    expect(performance.now() - started).toBeLessThan(RUN_PIPE_GRACE_MS + 2000);
    const child = Number(result.stdout.trim());
    const state = () => (existsSync(`/proc/${child}/stat`) ? readFileSync(`/proc/${child}/stat`, "utf8").split(") ")[1]?.[0] : "gone");
    for (let i = 0; i < 50 && state() !== "gone" && state() !== "Z"; i++) await Bun.sleep(20);
    expect(["gone", "Z"]).toContain(state() as string);
  });

  test("a program that exits leaving a daemon on its output: returned after the grace, outputHeld, the daemon left alone", async () => {
    const started = performance.now();
    const result = await runProgram(["/bin/sh", "-c", "sleep 30 & echo $!"]);
    const ms = performance.now() - started;
    const daemon = Number(result.stdout.trim());
    try {
      expect(result).toMatchObject({ code: 0, timedOut: false, outputHeld: true });
      expect(ms).toBeGreaterThanOrEqual(RUN_PIPE_GRACE_MS - 50);
      expect(ms).toBeLessThan(RUN_PIPE_GRACE_MS + 2000);
      expect(existsSync(`/proc/${daemon}`)).toBe(true);
    } finally {
      process.kill(daemon, "SIGKILL");
    }
  });

  test("output is kept to its last RUN_OUTPUT_MAX_BYTES: a flood cannot grow the agent", async () => {
    // 3 s of unbounded `yes` was a 2 GB string and 6 GB of memory.
    const result = await runProgram(["/bin/sh", "-c", "head -c 20000000 /dev/zero | tr '\\0' a; echo END"]);
    expect(result.stdout.length).toBe(RUN_OUTPUT_MAX_BYTES);
    expect(result.stdout.endsWith("aaaaEND\n")).toBe(true);
  });

  test("the environment is only what the caller gives", async () => {
    const result = await runProgram(["/usr/bin/env"], { env: { ONLY: "this" } });
    expect(result.stdout.trim()).toBe("ONLY=this");
  });

  test("empty argv, NUL bytes and missing programs are clear errors", async () => {
    await expect(runProgram([])).rejects.toBeInstanceOf(HostError);
    await expect(runProgram(["/bin/echo", "a\0b"])).rejects.toThrow("argument 1");
    await expect(runProgram(["/no/such/program"])).rejects.toThrow("run /no/such/program");
  });
});
