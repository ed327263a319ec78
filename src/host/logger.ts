import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from "consola/core";

export const LOG_LEVELS = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

export function isLogLevelName(value: string): value is LogLevelName {
  return Object.hasOwn(LOG_LEVELS, value);
}

export interface LoggerOptions {
  level: LogLevelName;
  /** JSON lines (one object per line) instead of human text. */
  json: boolean;
  write?: (line: string) => void;
}

function message(args: unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ");
}

/** One JSON object per line: what a journal, a serial console scraper or a log shipper wants. */
export function jsonLinesReporter(write: (line: string) => void): ConsolaReporter {
  return {
    log(entry: LogObject) {
      write(`${JSON.stringify({ time: entry.date.toISOString(), level: entry.type, tag: entry.tag || undefined, msg: message(entry.args) })}\n`);
    },
  };
}

/** Plain text for a person at a terminal: `level [tag] message`. */
export function textReporter(write: (line: string) => void): ConsolaReporter {
  return {
    log(entry: LogObject) {
      const tag = entry.tag ? ` [${entry.tag}]` : "";
      write(`${entry.type}${tag} ${message(entry.args)}\n`);
    },
  };
}

/**
 * Logs always go to stderr, so stdout holds only a command's result (a plan, JSON) and can be piped.
 * Secrets never reach here as text: they are Secret objects, whose JSON form is redacted.
 */
export function createLogger(options: LoggerOptions): ConsolaInstance {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  return createConsola({
    level: LOG_LEVELS[options.level],
    reporters: [options.json ? jsonLinesReporter(write) : textReporter(write)],
  });
}
