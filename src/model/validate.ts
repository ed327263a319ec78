import * as v from "valibot";
import { InputError, type Problem } from "../errors.ts";

/** valibot's issues as problems with a dotted path, e.g. `users[0].name` → "users.0.name". */
export function problemsOf(issues: readonly v.BaseIssue<unknown>[]): Problem[] {
  return issues.map((issue) => ({ path: v.getDotPath(issue) ?? "", message: issue.message }));
}

/** Validates `value` from `source` (a file path, a URL, a wire message name) or throws an InputError. */
export function parseWith<S extends v.GenericSchema>(schema: S, value: unknown, source: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value, { abortEarly: false, abortPipeEarly: true });
  if (!result.success) throw new InputError(source, problemsOf(result.issues));
  return result.output;
}
