import type { ConsolaInstance } from "consola/core";
import type * as v from "valibot";
import type { Host, OpenFile } from "../../host/types.ts";
import type { Command } from "../../model/command.ts";
import type { InstanceData } from "../../model/instance-data.ts";

/** QMP/QGA error classes qemu-ga uses (qapi/error.json). */
export type QgaErrorClass = "GenericError" | "CommandNotFound" | "DeviceNotFound";

/** A command's failure as the wire says it: {"error": {"class": …, "desc": …}}. */
export class QgaError extends Error {
  constructor(
    readonly errorClass: QgaErrorClass,
    readonly desc: string,
  ) {
    super(desc);
  }
}

/**
 * What a command touches, for policy (--allow-rpcs/--block-rpcs, and the config file's switches
 * for exec and file access): read changes nothing; write changes the system through the actions;
 * file is guest-file-*; exec runs programs; power ends or freezes the machine.
 */
export type QgaCommandKind = "read" | "write" | "file" | "exec" | "power";

/** State that lives as long as the daemon: open files, started programs, the freeze. */
export interface QgaState {
  files: Map<number, { file: OpenFile; path: string }>;
  /** qemu-ga numbers handles from 1000 up. */
  nextHandle: number;
  execs: Map<number, { done: boolean; result?: { code: number | null; signal: number | null; stdout: Uint8Array; stderr: Uint8Array; truncated: boolean } }>;
  frozen: boolean;
}

export interface QgaContext {
  host: Host;
  log: ConsolaInstance;
  state: QgaState;
  version: string;
  /** Carries out a system change through the same actions as boot (src/daemon/execute-command.ts). */
  execute(command: Command): Promise<string>;
  /**
   * The cloud's instance data read afresh, as boot reads it (probe, then the source it found), for
   * the tether-* extensions. Absent where the daemon has no way to read it.
   */
  freshInstanceData?(): Promise<InstanceData>;
  /** Every command this daemon serves, with whether policy enables it: guest-info reports it. */
  supported(): { name: string; enabled: boolean; successResponse: boolean }[];
}

/** One QGA command: its name, its arguments' schema, and what it does. */
export interface QgaCommand {
  name: string;
  kind: QgaCommandKind;
  /**
   * The arguments object's schema. Absent: the command takes none (an "arguments" member, if sent,
   * must be an empty object). A value that does not match is a GenericError naming the member.
   */
  args?: v.GenericSchema;
  /** False for guest-shutdown: qemu-ga sends no reply when it succeeds. Default true. */
  successResponse?: boolean;
  /** The "return" value; throws QgaError (or any error: a GenericError with its message). */
  run(ctx: QgaContext, args: any): Promise<unknown>;
}

export function newQgaState(): QgaState {
  return { files: new Map(), nextHandle: 1000, execs: new Map(), frozen: false };
}
