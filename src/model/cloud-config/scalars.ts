import * as v from "valibot";
import { expected } from "./describe.ts";

export const Str = v.string(expected("a string"));
export const NonEmpty = v.pipe(Str, v.minLength(1, "must not be empty"));
export const Bool = v.boolean(expected("true or false"));
export const StrList = v.array(Str, expected("a list of strings"));

/** A list with no entry given twice (cloud-init's `uniqueItems`). */
export function unique<T>(list: v.GenericSchema<unknown, T[]>) {
  return v.pipe(
    list,
    v.check((items) => new Set(items).size === items.length, (issue) => `expected no duplicates, got ${JSON.stringify(firstDuplicate(issue.input as unknown[]))} twice`),
  );
}

function firstDuplicate(items: unknown[]): unknown {
  return items.find((item, i) => items.indexOf(item) !== i);
}

/** A comma-separated string or a list of strings, as cloud-init takes groups and names. */
export const NameList = v.pipe(
  v.union([Str, StrList], expected("a comma-separated string or a list of strings")),
  v.transform((names) => (typeof names === "string" ? names.split(",") : names).map((n) => n.trim()).filter((n) => n !== "")),
);

export type Kind = "string" | "number" | "boolean" | "null" | "list" | "mapping";

export function kindOf(value: unknown): Kind | undefined {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "object" && !(value instanceof Date)) return "mapping";
  return undefined;
}

/**
 * Picks the schema by the kind of YAML value given. A union would try each form and, when all fail,
 * report only "expected …"; choosing by kind first lets a list's bad item be named at its own path.
 */
export function byKind<C extends Partial<Record<Kind, v.GenericSchema>>>(cases: C, message: (issue: v.BaseIssue<unknown>) => string) {
  const refuse = v.custom<never>(() => false, message);
  type Out = { [K in keyof C]: C[K] extends v.GenericSchema ? v.InferOutput<C[K]> : never }[keyof C];
  return v.lazy((input) => {
    const kind = kindOf(input);
    return ((kind && cases[kind]) as v.GenericSchema | undefined) ?? refuse;
  }) as v.GenericSchema<unknown, Out>;
}
