import { LineCounter, parseDocument, type Tags } from "yaml";
import { InputError } from "../errors.ts";

/** Past this many alias expansions a document is refused: the "billion laughs" guard. */
export const MAX_ALIAS_COUNT = 100;

const BOOL = "tag:yaml.org,2002:bool";
const INT = "tag:yaml.org,2002:int";
/** PyYAML's resolvers, where they are narrower than the YAML 1.1 spec the `yaml` package follows. */
const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PYYAML_DECIMAL = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const FLOAT = "tag:yaml.org,2002:float";
/** PyYAML wants a dot in every float, and a sign in every exponent: `1e3` is a string to it. */
const PYYAML_FLOAT_EXP = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*[eE][-+][0-9]+|\.[0-9_]+[eE][-+][0-9]+)$/;
const PYYAML_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/;

/**
 * cloud-init reads YAML with PyYAML, which takes `y`/`n` as strings (the spec says booleans), `09`
 * as a string (no valid octal, no decimal with a leading zero) and `1e3` as a string (no dot).
 * Same text, same meaning; test/peers/yaml-pyyaml.test.ts checks it against PyYAML itself.
 */
function pyyamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== "object" || !("test" in tag) || !tag.test) return tag;
    if (tag.tag === BOOL) return { ...tag, test: tag.test.test("yes") ? PYYAML_TRUE : PYYAML_FALSE };
    if (tag.tag === INT && tag.test.test("09")) return { ...tag, test: PYYAML_DECIMAL };
    if (tag.tag === FLOAT && tag.test.test("1e3")) return { ...tag, test: PYYAML_FLOAT_EXP };
    if (tag.tag === FLOAT && tag.test.test("1.5")) return { ...tag, test: PYYAML_FLOAT };
    return tag;
  });
}

/**
 * Parses YAML as YAML 1.1, the dialect of PyYAML and so of every cloud-config ever written:
 * `yes`/`no`/`on`/`off` are booleans and `0644` is octal.
 */
export function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: "1.1", customTags: pyyamlTags, prettyErrors: false, uniqueKeys: true, lineCounter });
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
