import { type Document, isAlias, isCollection, isMap, isPair, isScalar, isSeq, Lexer } from "yaml";
import { MAX_NESTING } from "./nesting.ts";

/**
 * Past this many tokens a document is refused before it is parsed. The `yaml` package keeps some
 * hundreds of bytes per token and takes microseconds to tens of them each: an 8 MB user-data of
 * `[a,a,a,…]` cost 18 s and 3.9 GB, 13 MB of `k: v` lines more memory than the machine had. A real
 * cloud-config has a few thousand tokens; a block scalar (a file's content) is one, however long.
 */
export const MAX_YAML_TOKENS = 50_000;

/** Tokens left for the documents of one input (a MIME message has many): shared, like a gzip budget. */
export interface YamlBudget {
  tokens: number;
}

/**
 * Lexes `text` (cheap: no tree is built) and stops at the first reason not to parse it: more tokens
 * than `max`, or flow collections nested past MAX_NESTING. Returns the tokens counted.
 */
export function scanYaml(text: string, max: number): { tokens: number; problem: string | null } {
  let tokens = 0;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (++tokens > max) return { tokens, problem: `more than ${max} YAML tokens: refused (no configuration is that large)` };
    if (token === "[" || token === "{") {
      if (++depth > MAX_NESTING) return { tokens, problem: `flow collections nested deeper than ${MAX_NESTING} levels` };
    } else if (token === "]" || token === "}") depth = Math.max(0, depth - 1);
  }
  return { tokens, problem: null };
}

/**
 * A key given twice in one mapping, or a list or mapping used as a key (PyYAML refuses those as
 * unhashable; the `yaml` package would stringify them, warning on stderr), with its offset. One
 * pass with a set per mapping: the package's own uniqueKeys check compares every pair of keys, and
 * 30,000 keys took it 16 s.
 */
export function keyProblem(doc: Document): { offset: number; message: string } | null {
  const stack: unknown[] = [doc.contents];
  const resolve = (node: unknown) => (isAlias(node) ? node.resolve(doc) : node);
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = resolve(pair.key);
        const offset = (pair.key as { range?: [number] } | null)?.range?.[0] ?? node.range?.[0] ?? 0;
        if (isCollection(key)) return { offset, message: "a list or mapping used as a key (PyYAML cannot read it either: unhashable key)" };
        const value = isScalar(key) ? key.value : key;
        // `<<` is YAML 1.1's merge key: several are allowed.
        if (value !== "<<" && seen.has(value)) return { offset, message: "Map keys must be unique" };
        seen.add(value);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (isPair(item)) {
          if (isCollection(resolve(item.key))) return { offset: node.range?.[0] ?? 0, message: "a list or mapping used as a key (PyYAML cannot read it either: unhashable key)" };
          stack.push(item.value);
        } else stack.push(item);
      }
    }
  }
  return null;
}
