import type { ConsolaInstance } from "consola/core";
import type { ByteStream } from "../../host/byte-stream.ts";
import { QgaParser, type QgaFrame } from "./qga-parser.ts";
import { QgaError } from "./qga-types.ts";

/** What a command came to: a value, an error in qemu's classes, or (guest-shutdown) nothing. */
export type QgaOutcome = { return: unknown } | { error: { class: string; desc: string } } | { noReply: true };

/** Runs one request that passed the session's checks; `args` is always an object ({} when absent). */
export type QgaDispatch = (execute: string, args: unknown) => Promise<QgaOutcome>;

export interface QgaSessionOptions {
  /** The largest request, in bytes; a larger one is answered with an error and skipped. */
  maxRequestBytes: number;
  signal?: AbortSignal;
  log: ConsolaInstance;
}

/** The byte before guest-sync-delimited's reply (and the host's "flush your parser"). */
export const QGA_SENTINEL = 0xff;

const encoder = new TextEncoder();

/** qemu's tdb_hash (qobject/qdict.c) over a key's UTF-8 bytes. */
function tdbHash(key: string): number {
  const bytes = encoder.encode(key);
  let value = Math.imul(0x238f13af, bytes.length) >>> 0;
  bytes.forEach((b, i) => {
    value = (value + (b << ((i * 5) % 24))) >>> 0;
  });
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

/**
 * A QDict's iteration order: by bucket (hash mod 512), the latest insertion first within one. It
 * decides which of several faults qemu's request check names first, and the members' order in
 * qemu-ga's replies ({"return": …, "id": …} but {"id": …, "error": …}).
 */
export function qdictOrder(keys: readonly string[]): string[] {
  return keys
    .map((key, index) => ({ key, index, bucket: tdbHash(key) % 512 }))
    .sort((a, b) => a.bucket - b.bucket || b.index - a.index)
    .map((e) => e.key);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

type Checked = { ok: true; execute: string; args: Record<string, unknown> } | { ok: false; desc: string };

/** qapi/qmp-dispatch.c's checks, for qemu-ga (which allows no out-of-band "exec-oob"). */
export function checkRequest(request: Record<string, unknown>): Checked {
  let execute: string | undefined;
  for (const key of qdictOrder(Object.keys(request))) {
    const value = request[key];
    if (key === "execute") {
      if (typeof value !== "string") return { ok: false, desc: "QMP input member 'execute' must be a string" };
      execute = value;
    } else if (key === "arguments") {
      if (!isObject(value)) return { ok: false, desc: "QMP input member 'arguments' must be an object" };
    } else if (key !== "id") return { ok: false, desc: `QMP input member '${key}' is unexpected` };
  }
  if (execute === undefined) return { ok: false, desc: "QMP input lacks member 'execute'" };
  return { ok: true, execute, args: (request.arguments as Record<string, unknown> | undefined) ?? {} };
}

/**
 * One reply line: `{"return":…,"id":…}` or `{"id":…,"error":{"class":…,"desc":…}}` (qemu-ga's
 * member order; "id" only when the request had one) and "\n"; guest-sync-delimited's return is
 * preceded by 0xFF. Null for a command that answers nothing. A return that JSON cannot carry
 * becomes a GenericError.
 */
export function encodeReply(request: { id?: unknown }, outcome: QgaOutcome, execute?: string): Uint8Array | null {
  if ("noReply" in outcome) return null;
  const hasId = Object.hasOwn(request, "id");
  const errorLine = (error: { class: string; desc: string }) =>
    JSON.stringify(hasId ? { id: request.id, error: { class: error.class, desc: error.desc } } : { error: { class: error.class, desc: error.desc } });
  if ("error" in outcome) return encoder.encode(`${errorLine(outcome.error)}\n`);
  let line: string;
  try {
    const value = outcome.return === undefined ? {} : outcome.return;
    line = JSON.stringify(hasId ? { return: value, id: request.id } : { return: value });
  } catch (error) {
    return encoder.encode(`${errorLine({ class: "GenericError", desc: `the reply cannot be written as JSON: ${(error as Error).message}` })}\n`);
  }
  const text = encoder.encode(`${line}\n`);
  if (execute !== "guest-sync-delimited") return text;
  const delimited = new Uint8Array(text.length + 1);
  delimited[0] = QGA_SENTINEL;
  delimited.set(text, 1);
  return delimited;
}

/** A parser error's words for the log, without the echoed input (it may be part of a password). */
function redact(desc: string): string {
  return desc.replace(/'[\s\S]*'/, "'…'").replace(/, [\s\S]* is not a valid Unicode character$/, ", an escape is not a valid Unicode character");
}

/** A command name as the host sent it, fit for one log line. */
function nameForLog(execute: string): string {
  return /^[\w.-]{1,64}$/.test(execute) ? execute : JSON.stringify(execute.slice(0, 64));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Serves one connection the way qemu-ga does: requests are JSON objects cut by structure, answered
 * one at a time and in order, one line each. Returns when the stream ends, when `signal` aborts
 * (after the request in hand), or quietly when a reply cannot be written (the peer is gone); a
 * failing read throws. The stream is the caller's to close.
 */
export async function serveQgaSession(stream: ByteStream, dispatch: QgaDispatch, options: QgaSessionOptions): Promise<void> {
  const tag = (options.log.options?.defaults as { tag?: string } | undefined)?.tag ?? "";
  const log = tag === "qga" || tag.endsWith(":qga") ? options.log : options.log.withTag("qga");
  const parser = new QgaParser({ maxBytes: options.maxRequestBytes });
  const signal = options.signal;

  const answer = async (frame: QgaFrame): Promise<Uint8Array | null> => {
    if (frame.kind === "reset") {
      log.debug("parser reset by 0xFF");
      return null;
    }
    if (frame.kind === "error") {
      log.debug(`malformed input: ${redact(frame.desc)}`);
      return encodeReply({}, { error: { class: "GenericError", desc: frame.desc } });
    }
    const request = frame.value;
    if (!isObject(request)) {
      log.debug("rejected: not a JSON object");
      return encodeReply({}, { error: { class: "GenericError", desc: "QMP input must be a JSON object" } });
    }
    const checked = checkRequest(request);
    if (!checked.ok) {
      log.debug(`rejected: ${checked.desc}`);
      return encodeReply(request, { error: { class: "GenericError", desc: checked.desc } });
    }
    let outcome: QgaOutcome;
    try {
      outcome = await dispatch(checked.execute, checked.args);
    } catch (error) {
      outcome = error instanceof QgaError ? { error: { class: error.errorClass, desc: error.desc } } : { error: { class: "GenericError", desc: errorMessage(error) } };
    }
    log.debug(`${nameForLog(checked.execute)}: ${"noReply" in outcome ? "no reply" : "error" in outcome ? outcome.error.class : "return"}`);
    return encodeReply(request, outcome, checked.execute);
  };

  while (!signal?.aborted) {
    let chunk: Uint8Array | null;
    try {
      chunk = await stream.read(signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    if (chunk === null) return;
    for (const frame of parser.push(chunk)) {
      if (signal?.aborted) return;
      const reply = await answer(frame);
      if (!reply) continue;
      try {
        await stream.write(reply);
      } catch (error) {
        log.debug(`the peer is gone (${errorMessage(error)}): session ends`);
        return;
      }
    }
  }
}
