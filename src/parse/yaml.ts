import { LineCounter, parseDocument, type Tags } from "yaml";
import { InputError } from "../errors.ts";
import { nestingProblem } from "./nesting.ts";
import { keyProblem, MAX_YAML_TOKENS, scanYaml, type YamlBudget } from "./yaml-limits.ts";

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
 * The `yaml` package's messages that quote the document: an alias, a tag, a block scalar header,
 * an escape. The quoted text may be a password (`password: *Secret1` is an alias to YAML, and
 * `password: |Secret1` a block header); the line and column already say where, so the quote goes.
 */
const ECHOES: [RegExp, string][] = [
  [/^(Unresolved alias \(the anchor must be set before the alias\)): [\s\S]*$/, "$1"],
  [/^(Block scalar header includes extra characters): [\s\S]*$/, "$1"],
  [/^(Could not resolve tag|Not a valid tag|Unresolved tag|Ordered maps must not include duplicate keys): [\s\S]*$/, "$1"],
  [/^(Invalid escape sequence|Unresolved plain scalar) [\s\S]*$/, "$1"],
  [/^The [\s\S]* tag has no suffix$/, "A tag has no suffix"],
  [/^Verbatim tags aren't resolved, so [\s\S]* is invalid\.$/, "A verbatim tag is not resolved"],
];

export function withoutEcho(message: string): string {
  for (const [pattern, replacement] of ECHOES) if (pattern.test(message)) return message.replace(pattern, replacement);
  return message;
}

/**
 * Parses YAML as YAML 1.1, the dialect of PyYAML and so of every cloud-config ever written:
 * `yes`/`no`/`on`/`off` are booleans and `0644` is octal.
 */
export function parseYaml(text: string, source: string, budget?: YamlBudget): unknown {
  // Bounded before the tree is built: the parser's cost in time and memory is per token.
  const scan = scanYaml(text, Math.min(MAX_YAML_TOKENS, budget?.tokens ?? MAX_YAML_TOKENS));
  if (budget) budget.tokens -= scan.tokens;
  if (scan.problem) throw new InputError(source, [{ path: "", message: `refused YAML: ${scan.problem}` }]);
  const lineCounter = new LineCounter();
  // uniqueKeys is checked by keyProblem, in linear time.
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { version: "1.1", customTags: pyyamlTags, prettyErrors: false, uniqueKeys: false, lineCounter });
  } catch (error) {
    // The package's parser recurses per level of `a: b: c: …` on one line, and overflows the
    // stack (a RangeError) well inside the token limit, before any error of its own.
    throw new InputError(source, [{ path: "", message: `invalid YAML: ${(error as Error).message}` }]);
  }
  const first = doc.errors[0];
  if (first) {
    const at = lineCounter.linePos(first.pos[0]);
    const where = `line ${at.line}, column ${at.col}`;
    throw new InputError(source, [{ path: where, message: `invalid YAML: ${withoutEcho(first.message.split("\n")[0] ?? "")}` }]);
  }
  const badKey = keyProblem(doc);
  if (badKey) {
    const at = lineCounter.linePos(badKey.offset);
    throw new InputError(source, [{ path: `line ${at.line}, column ${at.col}`, message: `invalid YAML: ${badKey.message}` }]);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new InputError(source, [{ path: "", message: `invalid YAML: ${withoutEcho((error as Error).message)}` }]);
  }
  // A cyclic or absurdly deep document would break whatever walks or writes it later.
  const problem = nestingProblem(value);
  if (problem) throw new InputError(source, [{ path: "", message: `refused YAML: ${problem}` }]);
  return value;
}
