import * as v from "valibot";
import type { Problem } from "../../errors.ts";

/** How a value from YAML is named in a message: strings and numbers as written, structures by kind. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return `a date (${value.toISOString().slice(0, 10)}; quote it to keep it a string)`;
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

/**
 * A value named by its kind only, never its text: for fields that hold passwords, where a wrong
 * type (a number for a password, "alice:pw" where a mapping was expected) is still the secret.
 */
export function describeKind(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "boolean") return "true or false";
  return `a ${typeof value} (not shown: it may be a password)`;
}

/** "expected WHAT, got a KIND": the message for fields that may hold a password. */
export function sealedExpected(what: string) {
  return (issue: v.BaseIssue<unknown>) => `expected ${what}, got ${describeKind(issue.input)}`;
}

/** objectMessage for a mapping that holds passwords. */
export function sealedObjectMessage(issue: v.BaseIssue<unknown>): string {
  return issue.input === undefined ? "required" : `expected a mapping, got ${describeKind(issue.input)}`;
}

/** A valibot message: "expected WHAT, got VALUE". */
export function expected(what: string) {
  return (issue: v.BaseIssue<unknown>) => `expected ${what}, got ${describe(issue.input)}`;
}

/**
 * The message of an object schema: it reports both an input that is not a mapping and a required
 * key that is missing (valibot gives that issue the key's absent value as input).
 */
export function objectMessage(issue: v.BaseIssue<unknown>): string {
  return issue.input === undefined ? "required" : `expected a mapping, got ${describe(issue.input)}`;
}

/** `users[0].name` from valibot's path: list indexes in brackets, mapping keys after dots. */
export function pathOf(issue: v.BaseIssue<unknown>): string {
  let path = "";
  for (const item of issue.path ?? []) {
    const key = String(item.key);
    if (item.type === "array") path += `[${key}]`;
    else path += path === "" ? key : `.${key}`;
  }
  return path;
}

export function problemsOf(issues: readonly v.BaseIssue<unknown>[]): Problem[] {
  return issues.map((issue) => ({ path: pathOf(issue), message: issue.message }));
}
