import { describe, expect, test } from "bun:test";
import { HostError } from "../../src/errors.ts";
import { runProgram } from "../../src/host/real-run.ts";

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
