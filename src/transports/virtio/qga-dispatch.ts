import * as v from "valibot";
import { TetherError } from "../../errors.ts";
import { isRecord } from "../../model/mapping.ts";
import { disabledBecause, type QgaPolicy } from "./qga-policy.ts";
import type { QgaOutcome } from "./qga-session.ts";
import type { QgaCommand, QgaContext } from "./qga-types.ts";
import { QgaError } from "./qga-types.ts";

export type { QgaOutcome };

/** The JSON type name qemu's QAPI input visitor says it expected. */
function expectedOf(issue: v.BaseIssue<unknown>): string {
  const e = issue.expected ?? "";
  if (/number|integer|safe_integer/.test(e) || issue.type === "integer" || issue.type === "safe_integer") return "integer";
  if (e === "boolean") return "boolean";
  if (e === "string" || e.startsWith('"')) return "string";
  if (e === "Array") return "array";
  if (e === "Object") return "object";
  return e || "a valid value";
}

/** The QAPI-style name of the member an issue is about: "keys[1]" becomes "keys"… as qemu says it. */
function memberOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((p) => String((p as { key: unknown }).key)).join(".") || "arguments";
}

/** qemu-ga's words for bad arguments (qapi/qobject-input-visitor.c), so hosts that match on them keep working. */
function argumentError(issues: readonly v.BaseIssue<unknown>[]): QgaError {
  const issue = issues[0] as v.BaseIssue<unknown>;
  const member = memberOf(issue);
  if (issue.kind === "schema" && issue.type === "strict_object" && issue.expected === "never") return new QgaError("GenericError", `Parameter '${member}' is unexpected`);
  if (issue.received === "undefined") return new QgaError("GenericError", `Parameter '${member}' is missing`);
  if (issue.kind === "schema" || issue.type === "integer" || issue.type === "safe_integer") return new QgaError("GenericError", `Invalid parameter type for '${member}', expected: ${expectedOf(issue)}`);
  return new QgaError("GenericError", `Parameter '${member}': ${issue.message}`);
}

function argumentsOf(command: QgaCommand, args: unknown): unknown {
  if (args !== undefined && !isRecord(args)) throw new QgaError("GenericError", "QMP input member 'arguments' must be an object");
  if (!command.args) {
    const extra = Object.keys(args ?? {})[0];
    if (extra !== undefined) throw new QgaError("GenericError", `Parameter '${extra}' is unexpected`);
    return {};
  }
  const parsed = v.safeParse(command.args, args ?? {});
  if (!parsed.success) throw argumentError(parsed.issues);
  return parsed.output;
}

/**
 * While the file systems are frozen any write blocks in the kernel, and the agent with it, which
 * then could not thaw them: like qemu-ga (main.c's freeze allow-list) only these stay enabled.
 */
const WHILE_FROZEN = new Set(["guest-ping", "guest-info", "guest-sync", "guest-sync-delimited", "guest-fsfreeze-status", "guest-fsfreeze-thaw"]);

/**
 * Runs one request: unknown → CommandNotFound, disabled by policy → CommandNotFound (qemu-ga's
 * class for both), bad arguments → GenericError in qemu-ga's words, the command's own failure →
 * GenericError with its message. guest-shutdown's success sends nothing.
 */
export function createDispatch(commands: readonly QgaCommand[], policy: QgaPolicy, ctx: QgaContext) {
  const byName = new Map(commands.map((c) => [c.name, c]));
  return async (execute: string, args: unknown): Promise<QgaOutcome> => {
    const command = byName.get(execute);
    if (!command) return { error: { class: "CommandNotFound", desc: `The command ${execute} has not been found` } };
    const why = disabledBecause(command, policy);
    if (why) return { error: { class: "CommandNotFound", desc: `Command ${execute} has been disabled: ${why}` } };
    if (ctx.state.frozen && !WHILE_FROZEN.has(execute)) return { error: { class: "CommandNotFound", desc: `Command ${execute} has been disabled: the file systems are frozen (guest-fsfreeze-thaw first)` } };
    try {
      const value = await command.run(ctx, argumentsOf(command, args));
      return command.successResponse === false ? { noReply: true } : { return: value ?? {} };
    } catch (error) {
      if (error instanceof QgaError) return { error: { class: error.errorClass, desc: error.desc } };
      const desc = error instanceof TetherError ? error.message : `${(error as Error).name ?? "Error"}: ${(error as Error).message ?? String(error)}`;
      return { error: { class: "GenericError", desc } };
    }
  };
}
