import { describe, expect, test } from "bun:test";
import { EXEC_COMMANDS, EXEC_MAX_OUTPUT, MAX_UNREAD_EXECS } from "../../../../src/transports/virtio/commands/exec.ts";
import { b64, call, contextFor, fakeHost, unb64 } from "./qga-test-context.ts";

/** guest-exec on a fake host: start() is recorded and settled by hand; nothing runs on this machine. */
function setup(options: { startFails?: string } = {}) {
  const host = fakeHost(options);
  const ctx = contextFor(host, async () => {
    throw new Error("guest-exec must not go through execute");
  });
  const qga = (execute: string, args?: unknown) => call(ctx, EXEC_COMMANDS, execute, args);
  return { host, ctx, qga };
}

/** Lets the done() callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("guest-exec and guest-exec-status on a fake host", () => {
  test("argv is path then arg; env and decoded input-data passed through; capture asked; the pid returned", async () => {
    const { host, qga } = setup();
    const outcome = await qga("guest-exec", { path: "/bin/sh", arg: ["-c", "cat; echo $FOO"], env: ["FOO=bar", "LANG=C"], "input-data": b64("piped in"), "capture-output": true });
    expect(outcome).toEqual({ return: { pid: 4242 } });
    expect(host.started).toHaveLength(1);
    const program = host.started[0]!;
    expect(program.argv).toEqual(["/bin/sh", "-c", "cat; echo $FOO"]);
    expect(program.options.env).toEqual(["FOO=bar", "LANG=C"]);
    expect(Buffer.from(program.options.input as Uint8Array).toString()).toBe("piped in");
    expect(program.options.captureOutput).toBe(true);
    // One byte over qemu-ga's limit, so that a cut stream is told from one that fitted.
    expect(program.options.maxOutputBytes).toBe(EXEC_MAX_OUTPUT + 1);
    // No shell is involved: the program itself is argv[0].
    expect(host.calls).toEqual([]);
  });

  test("status: exited false while running; then exitcode and base64 output once; then the pid is gone", async () => {
    const { host, qga } = setup();
    const { return: started } = (await qga("guest-exec", { path: "/usr/bin/printf", arg: ["hi"], "capture-output": true })) as { return: { pid: number } };
    expect(await qga("guest-exec-status", { pid: started.pid })).toEqual({ return: { exited: false } });
    host.started[0]!.finish({ code: 3, stdout: "out text", stderr: "err text" });
    await settle();
    expect(await qga("guest-exec-status", { pid: started.pid })).toEqual({
      return: { exited: true, exitcode: 3, "out-data": b64("out text"), "out-truncated": false, "err-data": b64("err text"), "err-truncated": false },
    });
    expect(await qga("guest-exec-status", { pid: started.pid })).toEqual({ error: { class: "GenericError", desc: `PID ${started.pid} does not exist` } });
  });

  test("without capture-output: no input, nothing captured, no out-data in the status; a signal is reported as such", async () => {
    const { host, qga } = setup();
    const { return: started } = (await qga("guest-exec", { path: "sleep", arg: ["100"] })) as { return: { pid: number } };
    const program = host.started[0]!;
    expect(program.options.captureOutput).toBe(false);
    expect(program.options.input).toBeUndefined();
    program.finish({ code: null, signal: 9, stdout: "ignored" });
    await settle();
    expect(await qga("guest-exec-status", { pid: started.pid })).toEqual({ return: { exited: true, signal: 9 } });
  });

  test("output over the limit: kept up to it, and truncated says so", async () => {
    const { host, qga } = setup();
    const { return: started } = (await qga("guest-exec", { path: "yes", "capture-output": true })) as { return: { pid: number } };
    host.started[0]!.finish({ code: 0, stdout: new Uint8Array(EXEC_MAX_OUTPUT + 1).fill(0x79) });
    await settle();
    const status = (await qga("guest-exec-status", { pid: started.pid })) as { return: Record<string, unknown> };
    expect(status.return["out-truncated"]).toBe(true);
    expect(Buffer.from(status.return["out-data"] as string, "base64").length).toBe(EXEC_MAX_OUTPUT);
    expect(status.return["err-data"]).toBeUndefined();
  });

  test("capture-output as qemu 8.1's modes: stdout only, stderr only, none; merged is refused", async () => {
    const { host, qga } = setup();
    const run = async (mode: unknown) => {
      const outcome = (await qga("guest-exec", { path: "x", "capture-output": mode })) as { return?: { pid: number } };
      if (!outcome.return) return outcome;
      host.started[host.started.length - 1]!.finish({ code: 0, stdout: "o", stderr: "e" });
      await settle();
      return ((await qga("guest-exec-status", { pid: outcome.return.pid })) as { return: unknown }).return;
    };
    expect(await run("stdout")).toEqual({ exited: true, exitcode: 0, "out-data": b64("o"), "out-truncated": false });
    expect(await run("stderr")).toEqual({ exited: true, exitcode: 0, "err-data": b64("e"), "err-truncated": false });
    expect(await run("none")).toEqual({ exited: true, exitcode: 0 });
    expect(await run("merged")).toMatchObject({ error: { class: "GenericError" } });
  });

  test("a program that cannot start is qemu-ga's 'command failed' error; nothing is kept", async () => {
    const { ctx, qga } = setup({ startFails: "start nope: no such program" });
    expect(await qga("guest-exec", { path: "nope" })).toEqual({ error: { class: "GenericError", desc: "Guest agent command failed, error was 'start nope: no such program'" } });
    expect(ctx.state.execs.size).toBe(0);
  });

  test("bad arguments: input-data not base64, arg not a list of strings, an unknown member", async () => {
    const { host, qga } = setup();
    expect(await qga("guest-exec", { path: "cat", "input-data": "!!" })).toEqual({ error: { class: "GenericError", desc: "Base64 data contains invalid characters" } });
    expect(await qga("guest-exec", { path: "cat", arg: "-n" })).toMatchObject({ error: { class: "GenericError" } });
    expect(await qga("guest-exec", { path: "cat", shell: true })).toEqual({ error: { class: "GenericError", desc: "Parameter 'shell' is unexpected" } });
    expect(await qga("guest-exec-status", { pid: 1 })).toEqual({ error: { class: "GenericError", desc: "PID 1 does not exist" } });
    expect(host.started).toEqual([]);
  });

  test(`at most ${MAX_UNREAD_EXECS} outcomes wait to be read; reading one frees a place`, async () => {
    const { host, qga } = setup();
    for (let i = 0; i < MAX_UNREAD_EXECS; i++) await qga("guest-exec", { path: "true" });
    expect(await qga("guest-exec", { path: "true" })).toMatchObject({ error: { class: "GenericError" } });
    host.started[0]!.finish({ code: 0 });
    await settle();
    await qga("guest-exec-status", { pid: host.started[0]!.pid });
    expect(await qga("guest-exec", { path: "true" })).toMatchObject({ return: { pid: expect.any(Number) } });
  });

  test("arguments are not logged (a host may pass a secret in one)", async () => {
    const { host, qga } = setup();
    await qga("guest-exec", { path: "/usr/bin/env", arg: ["TOKEN=hunter2-secret"] });
    expect(host.logs.join("\n")).toContain("guest-exec /usr/bin/env (1 argument(s))");
    expect(host.logs.join("\n")).not.toContain("hunter2");
    expect(unb64(b64("x"))).toBe("x");
  });
});
