import * as v from "valibot";
import { InputError } from "../errors.ts";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "nothing";
  return `a ${typeof value}`;
}

/** A document that must be a mapping (YAML or JSON); an empty document counts as an empty one. */
export function requireMapping(value: unknown, source: string, what: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (isRecord(value)) return value;
  throw new InputError(source, [{ path: "", message: `expected a mapping of ${what}, got ${kindOf(value)}` }]);
}

/**
 * valibot's record() takes a list for a record (its keys "0", "1", …); cloud data must not get away
 * with that, so a mapping is checked to be one first.
 */
export function recordOf<S extends v.GenericSchema>(value: S) {
  return v.pipe(v.custom<Record<string, unknown>>(isRecord, (issue) => `expected a mapping, got ${kindOf(issue.input)}`), v.record(v.string(), value));
}
