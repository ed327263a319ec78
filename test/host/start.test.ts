import { describe, expect, test } from "bun:test";
import { HostError } from "../../src/errors.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { startProgram } from "../../src/host/real-start.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("real start: returns at once, settles later", () => {
  test("pid at once; exit code, stdout and stderr once done", async () => {
    const program = startProgram(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], { captureOutput: true });
    expect(Number.isInteger(program.pid) && program.pid > 1).toBe(true);
    const result = await program.done;
    expect({ ...result, stdout: text(result.stdout), stderr: text(result.stderr) }).toEqual({ code: 3, signal: null, stdout: "out\n", stderr: "err\n" });
  });

  test("returns before the program ends", async () => {
    const started = performance.now();
    const program = startProgram(["/bin/sleep", "0.2"]);
    expect(performance.now() - started).toBeLessThan(150);
    const result = await program.done;
    expect(result).toEqual({ code: 0, signal: null, stdout: new Uint8Array(0), stderr: new Uint8Array(0) });
  });

  test("without captureOutput, output is not kept", async () => {
    const result = await startProgram(["/bin/echo", "hello"]).done;
    expect(result.stdout.length).toBe(0);
    expect(result.code).toBe(0);
  });

  test("argv is never a shell: metacharacters arrive as text", async () => {
    const hostile = "$(id); `id` | cat; echo hi";
    const result = await startProgram(["/bin/echo", hostile], { captureOutput: true }).done;
    expect(text(result.stdout)).toBe(`${hostile}\n`);
  });

  test("the environment is the minimal base plus the caller's entries; a later entry wins", async () => {
    const result = await startProgram(["/usr/bin/env"], { captureOutput: true, env: ["GREETING=a=b c", "LANG=C", "EMPTY="] }).done;
    expect(text(result.stdout).trim().split("\n").sort()).toEqual(["EMPTY=", "GREETING=a=b c", "LANG=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]);
  });

  test("a bare program name is found on the base PATH", async () => {
    const result = await startProgram(["env"], { captureOutput: true }).done;
    expect(result.code).toBe(0);
    expect(text(result.stdout)).toContain("LANG=C.UTF-8");
  });

  test("bad environment entries are refused before anything runs", () => {
    for (const entry of ["NOEQUALS", "=value", "A=b\0c"]) {
      expect(() => startProgram(["/bin/true"], { env: [entry] })).toThrow(HostError);
    }
    expect(() => startProgram(["/bin/true"], { env: ["X=1", "bad"] })).toThrow("environment entry 1");
  });

  test("input goes to stdin; without input, stdin is empty", async () => {
    const fed = await startProgram(["/bin/cat"], { captureOutput: true, input: bytes("data\x00\xff") }).done;
    expect(fed.stdout).toEqual(bytes("data\x00\xff"));
    const none = await startProgram(["/bin/cat"], { captureOutput: true }).done;
    expect(none).toEqual({ code: 0, signal: null, stdout: new Uint8Array(0), stderr: new Uint8Array(0) });
    // Even when the agent's own stdin is a pipe, a program without input gets /dev/null, not it.
    const script = `import { startProgram } from ${JSON.stringify(`${import.meta.dir}/../../src/host/real-start.ts`)};
      const r = await startProgram(["/bin/readlink", "/proc/self/fd/0"], { captureOutput: true }).done;
      process.stdout.write(r.stdout);`;
    const agent = Bun.spawn([process.execPath, "-e", script], { stdin: "pipe", stdout: "pipe" });
    expect(await new Response(agent.stdout).text()).toBe("/dev/null\n");
    agent.stdin.end();
  });

  test("output past the limit is dropped, and the program is not blocked by it", async () => {
    const result = await startProgram(["/bin/sh", "-c", "head -c 8000000 /dev/zero; head -c 5 /dev/zero >&2; echo done >&2"], {
      captureOutput: true,
      maxOutputBytes: 1000,
    }).done;
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(1000);
    expect(result.stdout.every((b) => b === 0)).toBe(true);
    expect(text(result.stderr)).toBe("\0\0\0\0\0done\n");
  });

  test("the default limit keeps 100000 bytes whole", async () => {
    const result = await startProgram(["/usr/bin/head", "-c", "100000", "/dev/zero"], { captureOutput: true }).done;
    expect(result.stdout.length).toBe(100000);
  });

  test("a killed program has the signal's number and no code", async () => {
    const program = startProgram(["/bin/sleep", "10"]);
    process.kill(program.pid, "SIGKILL");
    expect(await program.done).toEqual({ code: null, signal: 9, stdout: new Uint8Array(0), stderr: new Uint8Array(0) });
    const term = startProgram(["/bin/sleep", "10"]);
    process.kill(term.pid, "SIGTERM");
    expect((await term.done).signal).toBe(15);
  });

  test("a program that cannot be started is a HostError from start() itself", () => {
    expect(() => startProgram(["/no/such/program"])).toThrow("start /no/such/program: no such program");
    expect(() => startProgram(["no-such-program-anywhere"])).toThrow(HostError);
    expect(() => startProgram(["/etc/hostname"])).toThrow(HostError);
    expect(() => startProgram([])).toThrow(HostError);
    expect(() => startProgram(["/bin/echo", "a\0b"])).toThrow("argument 1");
    expect(() => startProgram(["/bin/true"], { maxOutputBytes: -1 })).toThrow("maxOutputBytes");
  });
});

describe("fake start", () => {
  test("answers from the programs table, pids from 4000, every start recorded", async () => {
    const host = createFakeHost({
      programs: {
        sh: (_argv, options) => ({ code: 3, stdout: `input=${new TextDecoder().decode(options.input as Uint8Array)}`, stderr: "err" }),
        sleep: () => ({ signal: 9 }),
      },
    });
    const first = host.start(["/bin/sh", "-c", "x"], { captureOutput: true, input: bytes("in"), env: ["A=1"] });
    const second = host.start(["sleep", "10"]);
    expect([first.pid, second.pid]).toEqual([4000, 4001]);
    const result = await first.done;
    expect({ ...result, stdout: text(result.stdout), stderr: text(result.stderr) }).toEqual({ code: 3, signal: null, stdout: "input=in", stderr: "err" });
    expect(await second.done).toEqual({ code: null, signal: 9, stdout: new Uint8Array(0), stderr: new Uint8Array(0) });
    expect(host.calls.map((c) => c.argv)).toEqual([["/bin/sh", "-c", "x"], ["sleep", "10"]]);
    expect(host.calls[0]?.options.env).toEqual({ PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", A: "1" });
  });

  test("the same refusals as the real one; output is cut at the limit", async () => {
    const host = createFakeHost({ programs: { yes: () => ({ stdout: "y\n".repeat(100) }) } });
    expect(() => host.start(["missing"])).toThrow("start missing: no such program");
    expect(() => host.start(["yes"], { env: ["bad"] })).toThrow(HostError);
    expect(() => host.start([])).toThrow(HostError);
    const cut = await host.start(["yes"], { captureOutput: true, maxOutputBytes: 5 }).done;
    expect(text(cut.stdout)).toBe("y\ny\ny");
  });

  test("a killed fake program reads as 128 + signal through run", async () => {
    const host = createFakeHost({ programs: { sleep: () => ({ signal: 15 }) } });
    expect(await host.run(["sleep", "1"])).toEqual({ code: 143, stdout: "", stderr: "", timedOut: false });
  });
});
