import type { ConsolaInstance } from "consola/core";
import { UsageError } from "../errors.ts";
import { createLogger, isLogLevelName, type LogLevelName } from "../host/logger.ts";

export interface GlobalFlags {
  root?: string;
  json?: boolean;
  "log-level"?: string;
}

export function logLevelOf(flag: string | undefined, env: string | undefined): LogLevelName {
  const chosen = flag ?? env ?? "info";
  if (!isLogLevelName(chosen)) {
    const from = flag !== undefined ? "--log-level" : "TETHER_LOG_LEVEL";
    throw new UsageError(`${from} ${JSON.stringify(chosen)}: expected silent, error, warn, info, debug or trace`);
  }
  return chosen;
}

/** Human logs on a terminal; JSON lines for journald, serial consoles, and anything with --json. */
export function loggerFor(flags: GlobalFlags): ConsolaInstance {
  const level = logLevelOf(flags["log-level"], process.env.TETHER_LOG_LEVEL);
  return createLogger({ level, json: flags.json === true || !process.stderr.isTTY });
}
