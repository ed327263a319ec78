import { InputError } from "../errors.ts";
import { nestingProblem } from "./nesting.ts";

/** JSON text, with the parser's complaint attached to the source's name; absurd nesting is refused too. */
export function parseJson(text: string, source: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(source, [{ path: "", message: `invalid JSON: ${(error as Error).message}` }]);
  }
  const problem = nestingProblem(value);
  if (problem) throw new InputError(source, [{ path: "", message: `refused JSON: ${problem}` }]);
  return value;
}
