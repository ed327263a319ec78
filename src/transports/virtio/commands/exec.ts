import * as v from "valibot";
import type { StartedProgram } from "../../../host/types.ts";
import { QgaError, type QgaCommand, type QgaState } from "../qga-types.ts";
import { decodeBase64Arg, encodeBase64, Int } from "./file.ts";
import { refuseUnderRoot } from "./system-tools.ts";

/**
 * guest-exec and guest-exec-status (qga/commands.c): a program started through host.start (argv,
 * never a shell), its outcome kept until the host has read it once.
 */

/** qemu-ga's GUEST_EXEC_MAX_OUTPUT: what is kept of each of stdout and stderr. */
export const EXEC_MAX_OUTPUT = 16 * 1024 * 1024;
/**
 * Programs whose outcome the host has not read yet. qemu-ga keeps them without bound; a host that
 * never asks would grow the agent for ever (up to 32 MiB of output each).
 */
export const MAX_UNREAD_EXECS = 256;

/**
 * capture-output: a bool, or since qemu 8.1 a GuestExecCaptureOutputMode. "merged" (both streams
 * into one, in order) is not offered: the host's start() keeps the two apart.
 */
const Capture = v.union([v.boolean(), v.picklist(["none", "stdout", "stderr", "separated", "merged"])]);

const ExecArgs = v.strictObject({
  path: v.string(),
  arg: v.optional(v.array(v.string())),
  env: v.optional(v.array(v.string())),
  "input-data": v.optional(v.string()),
  "capture-output": v.optional(Capture),
});

const nothing = new Uint8Array(0);

type ExecEntry = QgaState["execs"] extends Map<number, infer E> ? E : never;

export const guestExec: QgaCommand = {
  name: "guest-exec",
  kind: "exec",
  args: ExecArgs,
  async run(ctx, args: v.InferOutput<typeof ExecArgs>) {
    // A program would start on this machine, not in the target: boot keeps user scripts for a
    // --root target for the same reason.
    refuseUnderRoot(ctx, "guest-exec", "run a program on");
    const mode = args["capture-output"] === true ? "separated" : args["capture-output"] === false || args["capture-output"] === undefined ? "none" : args["capture-output"];
    if (mode === "merged") throw new QgaError("GenericError", "capture-output \"merged\" is not supported by this agent; use \"separated\"");
    if (args.path === "") throw new QgaError("GenericError", "Guest agent command failed, error was 'empty path'");
    if (ctx.state.execs.size >= MAX_UNREAD_EXECS) {
      throw new QgaError("GenericError", `${MAX_UNREAD_EXECS} started programs have an outcome not read yet: read them with guest-exec-status first`);
    }
    const input = args["input-data"] === undefined ? undefined : decodeBase64Arg(args["input-data"]);
    const argv = [args.path, ...(args.arg ?? [])];
    let started: StartedProgram;
    try {
      // One byte over the limit tells a stream that was cut from one that just fitted.
      started = ctx.host.start(argv, { input, env: args.env, captureOutput: mode !== "none", maxOutputBytes: EXEC_MAX_OUTPUT + 1 });
    } catch (error) {
      throw new QgaError("GenericError", `Guest agent command failed, error was '${(error as Error)?.message ?? String(error)}'`);
    }
    const entry: ExecEntry = { done: false };
    ctx.state.execs.set(started.pid, entry);
    // Arguments are not logged: a host may pass a secret in one. qemu-ga logs them to syslog.
    ctx.log.info(`guest-exec ${args.path} (${argv.length - 1} argument(s)${mode !== "none" ? `, capturing ${mode}` : ""}): pid ${started.pid}`);
    started.done.then(
      (outcome) => {
        const stdout = mode === "separated" || mode === "stdout" ? outcome.stdout : nothing;
        const stderr = mode === "separated" || mode === "stderr" ? outcome.stderr : nothing;
        entry.result = { code: outcome.code, signal: outcome.signal, stdout, stderr, truncated: stdout.length > EXEC_MAX_OUTPUT || stderr.length > EXEC_MAX_OUTPUT };
        entry.done = true;
      },
      (error) => {
        ctx.log.warn(`guest-exec pid ${started.pid}: ${(error as Error)?.message ?? String(error)}`);
        entry.result = { code: null, signal: null, stdout: nothing, stderr: nothing, truncated: false };
        entry.done = true;
      },
    );
    return { pid: started.pid };
  },
};

const StatusArgs = v.strictObject({ pid: Int });

/** A stream's part of the reply: present only when something was captured, as in qemu-ga. */
function streamPart(bytes: Uint8Array, data: "out-data" | "err-data", truncated: "out-truncated" | "err-truncated"): Record<string, unknown> {
  if (bytes.length === 0) return {};
  return { [data]: encodeBase64(bytes.subarray(0, EXEC_MAX_OUTPUT)), [truncated]: bytes.length > EXEC_MAX_OUTPUT };
}

export const guestExecStatus: QgaCommand = {
  name: "guest-exec-status",
  kind: "exec",
  args: StatusArgs,
  async run(ctx, args: v.InferOutput<typeof StatusArgs>) {
    const entry = ctx.state.execs.get(args.pid);
    if (!entry) throw new QgaError("GenericError", `PID ${args.pid} does not exist`);
    if (!entry.done || !entry.result) return { exited: false };
    // Reported once, then forgotten: qemu-ga reaps the entry with the first "exited" reply.
    ctx.state.execs.delete(args.pid);
    const { code, signal, stdout, stderr } = entry.result;
    return {
      exited: true,
      ...(code !== null ? { exitcode: code } : signal !== null ? { signal } : {}),
      ...streamPart(stdout, "out-data", "out-truncated"),
      ...streamPart(stderr, "err-data", "err-truncated"),
    };
  },
};

export const EXEC_COMMANDS: readonly QgaCommand[] = [guestExec, guestExecStatus];
