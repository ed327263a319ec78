import { LineCounter, parseDocument } from "yaml";
import { InputError } from "../errors.ts";

/** Past this many alias expansions a document is refused: the "billion laughs" guard. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML as YAML 1.1, the dialect of PyYAML and so of every cloud-config ever written:
 * `yes`/`no`/`on`/`off` are booleans and `0644` is octal.
 */
export function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: "1.1", prettyErrors: false, uniqueKeys: true, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const at = lineCounter.linePos(first.pos[0]);
    const where = `line ${at.line}, column ${at.col}`;
    throw new InputError(source, [{ path: where, message: `invalid YAML: ${first.message.split("\n")[0]}` }]);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new InputError(source, [{ path: "", message: `invalid YAML: ${(error as Error).message}` }]);
  }
}
