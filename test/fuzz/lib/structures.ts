/**
 * Structural cases for JSON and YAML documents: a valid seed with wrong types put into its fields,
 * keys renamed, removed, duplicated; values nested 10k deep, strings megabytes long, numbers past
 * what a double holds, NUL and lone surrogates in strings, and for YAML its own traps (aliases that
 * contain themselves, alias bombs, tags, timestamps, merge keys).
 */
import { stringify as yamlStringify } from "yaml";
import { LIMIT_NUMBERS, mutateBytes, type MutationContext } from "./mutate.ts";
import type { Rng } from "./prng.ts";

export type Format = "json" | "yaml";

/** Text put into the document as it is: what no JS value serializes to (1e309, `&a [*a]`, a 10k-deep nest). */
export class Raw {
  constructor(readonly text: string) {}
}

type Path = (string | number)[];

const JSON_RAW = [
  ...LIMIT_NUMBERS.filter((n) => /^-?\d/.test(n) && !/[_:xo]/.test(n.slice(1))),
  '"\\u0000"', '"\\ud800"', '"\\udc00\\ud800"', '"a\\u0000b"', '"\\n"', '"\\u2028"', '{"__proto__": {"polluted": true}}', '{"constructor": {"prototype": 1}}',
  // String() and Number() throw on these: ToPrimitive finds no callable toString or valueOf.
  '{"toString": 1}', '{"valueOf": {}, "toString": "x"}', '[{"toString": null}]',
];

const YAML_RAW = [
  ".nan", ".NaN", ".inf", "-.inf", "~", "null", "Null", "yes", "no", "on", "off", "y", "n", "0x1F", "0o17", "0b101", "017", "09", "1:20", "-1:20:30.5", "1e3", "1.0e+3", "190:20:30",
  "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-13-45", "9999-12-31 23:59:59.999999999 +14:00", "1970-01-01 99:99:99", "0000-01-01",
  "!!binary aGVsbG8=", "!!binary '!!!'", "!!set {a, b}", "!!omap [a: 1, b: 2]", "!!pairs [a: 1, a: 2]", "!!python/object:os.system x", "!!int '12'", "!!int 'x'", "!!float 'x'",
  "!!str 12", "!!bool 'maybe'", "!!timestamp 'not a date'", "!!null x", "!<tag:yaml.org,2002:int> 7", "!custom x", "!!map [1]", "!!seq {a: 1}",
  "&c [*c]", "&m {k: *m}", "&p [1, &q [*p, *q]]", "*nowhere", "&x 1", "[&a [x, x, x, x, x, x, x, x, x], &b [*a, *a, *a, *a, *a, *a, *a, *a, *a], [*b, *b, *b, *b, *b, *b, *b, *b, *b]]",
  "{<<: {a: 1}, b: 2}", "{<<: [1, 2]}", "{<<: *nowhere}", "{? [a, b]: c}", "{? {a: 1}: b}", '"\\x00"', '"\\uD800"', '"\\U0010FFFF"', '"\\N\\_\\L\\P"', "'it''s'", "|\n  block", "{a: 1, a: 2}",
  "{__proto__: {polluted: true}}", "{constructor: {prototype: 1}}", "{toString: 1, hasOwnProperty: 2}", "[a, b, c",
];

const WEIRD_STRINGS = [
  "", " ", "\t", "x", "\u0000", "a\u0000b", "a\nb", "a\r\nb", "\u2028", "\ufeff", "é", "\ud800", "\udfff\ud800", "😀", "../../etc/passwd", "/etc/shadow", "a/b", "..", ".",
  "eth0; reboot", "$(reboot)", "`id`", "x\ny: injected", "%s%n", "\\", '"', "'", "#", "-", "*", "&", "!", "|", ">", "{", "[", ":", ",", "null", "true", "0", "-0", "1e309",
  "255.255.255.255", "0.0.0.0", "::", "::ffff:1.2.3.4", "fe80::1%eth0", "1.2.3.4/33", "1.2.3.4/-1", "01.02.03.04", "ff:ff:ff:ff:ff:ff", "FF-FF-FF-FF-FF-FF", "00000000000000000000",
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty",
];

const SIMPLE_VALUES: unknown[] = [null, true, false, 0, 1, -1, 1.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e300, Number.MIN_VALUE, [], {}, [null], [[]], [{}], { a: 1 }, ["x", 1, true], [1, 2, 3]];

/** A structure nested `depth` deep, as text (a YAML flow collection is JSON-like, so one form serves both). */
export function deepText(rng: Rng, depth: number): string {
  switch (rng.int(4)) {
    case 0:
      return "[".repeat(depth) + "]".repeat(depth);
    case 1:
      return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    case 2:
      return '[{"a":'.repeat(depth) + "null" + "}]".repeat(depth);
    default:
      // Unbalanced: opened and never closed.
      return "[".repeat(depth);
  }
}

/** 10k is the brief; 50k is where JSON.stringify gives out. Deeper only costs time (parsing is linear). */
export const DEPTHS = [65, 129, 300, 1000, 5000, 10_000, 50_000];
/** Around the 1 MiB limit of most seed files; rarely past the 3 MiB of nothing in particular. */
export const HUGE = [1 << 16, 1 << 16, (1 << 20) - 64, (1 << 20) + 1, 3 << 20];

/** A value of the wrong kind for wherever it lands. */
export function wrongValue(rng: Rng, format: Format): unknown {
  return rng.weighted<() => unknown>([
    [6, () => rng.pick(SIMPLE_VALUES)],
    [6, () => rng.pick(WEIRD_STRINGS)],
    [5, () => new Raw(rng.pick(format === "json" ? JSON_RAW : YAML_RAW))],
    [1, () => new Raw(deepText(rng, rng.pick(DEPTHS)))],
    [0.3, () => "a".repeat(rng.pick(HUGE))],
    [1, () => Array.from({ length: rng.pick([100, 1000, 10_000]) }, () => rng.pick(SIMPLE_VALUES))],
  ])();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Raw);
}

/** About how many bytes a value serializes to, counted no further than `stop`. */
function approximateSize(value: unknown, stop = 8 << 20): number {
  let size = 0;
  const stack = [value];
  while (stack.length && size < stop) {
    const node = stack.pop();
    if (typeof node === "string") size += node.length + 2;
    else if (node instanceof Raw) size += node.text.length;
    else if (Array.isArray(node)) stack.push(...node), (size += 2);
    else if (isObject(node)) for (const [k, v] of Object.entries(node)) stack.push(v), (size += k.length + 4);
    else size += 8;
  }
  return size;
}

/** Every path in the document, breadth first, up to `limit`. */
export function pathsOf(doc: unknown, limit = 4000): Path[] {
  const out: Path[] = [[]];
  const queue: [unknown, Path][] = [[doc, []]];
  for (let head = 0; head < queue.length && out.length < limit; head++) {
    const [node, path] = queue[head]!;
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : isObject(node) ? Object.entries(node) : [];
    for (const [key, child] of entries) {
      out.push([...path, key]);
      queue.push([child, [...path, key]]);
    }
  }
  return out;
}

function getAt(doc: unknown, path: Path): unknown {
  let node = doc;
  for (const key of path) node = (node as Record<string | number, unknown>)?.[key];
  return node;
}

/** A copy of `doc` with `path` changed by `edit` (which gets the container and the key). */
function editAt(doc: unknown, path: Path, edit: (container: Record<string | number, unknown> | unknown[], key: string | number) => void): unknown {
  if (path.length === 0) return doc;
  const copy = (node: unknown) => (Array.isArray(node) ? [...node] : isObject(node) ? defineAll({}, node) : node);
  const root = copy(doc);
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const child = copy(node[key]);
    define(node, key, child);
    node = child as Record<string | number, unknown>;
  }
  if (typeof node === "object" && node !== null) edit(node, path[path.length - 1]!);
  return root;
}

/** Own properties only: a key named __proto__ must stay a key. */
function define(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function defineAll(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(source)) define(target, k, v);
  return target;
}

/** A seed document with one to three structural edits. */
export function mutateDoc(rng: Rng, doc: unknown, format: Format, dictionary: readonly string[]): unknown {
  let out = doc;
  const rounds = 1 + rng.small(3);
  for (let r = 0; r < rounds; r++) {
    const paths = pathsOf(out);
    const path = rng.pick(paths);
    const other = getAt(out, rng.pick(paths));
    const edit = rng.weighted<number>([[8, 0], [2, 1], [2, 2], [2, 3], [1, 4], [2, 5]]);
    if (path.length === 0 && edit !== 3) {
      if (rng.chance(0.1)) out = wrongValue(rng, format);
      continue;
    }
    switch (edit) {
      case 0: // a wrong value in a field
        out = editAt(out, path, (c, k) => define(c as Record<string | number, unknown>, k, wrongValue(rng, format)));
        break;
      case 1: // a field removed
        out = editAt(out, path, (c, k) => (Array.isArray(c) ? c.splice(Number(k), 1) : delete (c as Record<string, unknown>)[k]));
        break;
      case 2: // another field's value here: the right kind of thing in the wrong place
        out = editAt(out, path, (c, k) => define(c as Record<string | number, unknown>, k, other));
        break;
      case 3: { // a key added, from the format's words
        const objects = pathsOf(out).filter((p) => isObject(getAt(out, p)));
        if (!objects.length) break;
        const target = rng.pick(objects);
        const key = rng.pick(dictionary.length ? dictionary : WEIRD_STRINGS);
        const value = rng.chance(0.5) ? wrongValue(rng, format) : other;
        out = target.length === 0 ? defineAll(defineAll({}, out as Record<string, unknown>), { [key]: value }) : editAt(out, target, (c, k) => {
          const inner = defineAll({}, (c as Record<string | number, unknown>)[k] as Record<string, unknown>);
          define(inner, key, value);
          define(c as Record<string | number, unknown>, k, inner);
        });
        break;
      }
      case 4: { // an element repeated many times, to a few megabytes at most
        const size = Math.max(1, approximateSize(getAt(out, path)));
        const times = Math.min(rng.pick([2, 10, 300, 5000]), Math.ceil((4 << 20) / size));
        out = editAt(out, path, (c, k) => {
          if (Array.isArray(c)) c.splice(Number(k), 0, ...Array<unknown>(times).fill(c[Number(k)]));
        });
        break;
      }
      case 5: // a key renamed to another of the format's words
        out = editAt(out, path, (c, k) => {
          if (Array.isArray(c) || !dictionary.length) return;
          const value = (c as Record<string, unknown>)[k];
          delete (c as Record<string, unknown>)[k];
          define(c as Record<string, unknown>, rng.pick(dictionary), value);
        });
        break;
    }
  }
  return out;
}

function jsonString(text: string): string {
  return JSON.stringify(text);
}

/**
 * Flow text (JSON, which is also YAML flow) with Raw tokens inline; with `duplicates`, some keys are
 * written twice (JSON.parse keeps the last, YAML refuses: both must be handled).
 */
export function emitFlow(rng: Rng, value: unknown, duplicates: number): string {
  const parts: string[] = [];
  // Deep nests arrive as Raw text, so this recursion is only as deep as the seed.
  const emit = (node: unknown): void => {
    if (node instanceof Raw) return void parts.push(node.text);
    if (Array.isArray(node)) {
      parts.push("[");
      node.forEach((child, i) => {
        if (i) parts.push(",");
        emit(child);
      });
      return void parts.push("]");
    }
    if (isObject(node)) {
      parts.push("{");
      const entries = Object.entries(node);
      entries.forEach(([k, child], i) => {
        if (i) parts.push(",");
        parts.push(jsonString(k), ":");
        emit(child);
      });
      if (entries.length && rng.chance(duplicates)) {
        const [k] = rng.pick(entries);
        parts.push(",", jsonString(k), ":");
        emit(rng.pick(SIMPLE_VALUES));
      }
      return void parts.push("}");
    }
    if (typeof node === "number" && !Number.isFinite(node)) return void parts.push(rng.pick(["1e309", "-1e309", "NaN"]));
    parts.push(JSON.stringify(node) ?? "null");
  };
  emit(value);
  return parts.join("");
}

/** Block YAML (the `yaml` package's stringify) with Raw tokens put back where placeholders stood. */
function emitBlock(rng: Rng, value: unknown, duplicates: number): string {
  const raws: string[] = [];
  const replace = (node: unknown): unknown => {
    if (node instanceof Raw) {
      raws.push(node.text);
      return `@@RAW${raws.length - 1}@@`;
    }
    if (Array.isArray(node)) return node.map(replace);
    if (isObject(node)) return defineAll({}, Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replace(v)])));
    return node;
  };
  let text: string;
  try {
    text = yamlStringify(replace(value), { lineWidth: 0, aliasDuplicateObjects: false });
  } catch {
    return emitFlow(rng, value, duplicates);
  }
  text = text.replace(/(["']?)@@RAW(\d+)@@\1/g, (_, __, i: string) => raws[Number(i)]!.replace(/\n/g, " "));
  if (rng.chance(duplicates)) {
    // A top-level key written twice.
    const keys = [...text.matchAll(/^([A-Za-z_][\w-]*):/gm)].map((m) => m[1]!);
    if (keys.length) text += `\n${rng.pick(keys)}: ${rng.pick(["1", "x", "[]", "{}", "null"])}\n`;
  }
  return text;
}

/** A document as text in its format: JSON, or YAML in block or flow style. */
export function emitDoc(rng: Rng, value: unknown, format: Format): string {
  const duplicates = rng.chance(0.15) ? 0.3 : 0;
  if (format === "yaml" && rng.chance(0.6)) return emitBlock(rng, value, duplicates);
  return emitFlow(rng, value, duplicates);
}

/** Whole-document oddities that are no edit of a seed. */
export function oddDocument(rng: Rng, format: Format): string {
  return rng.weighted<() => string>([
    [1, () => ""],
    [1, () => "\ufeff"],
    [1, () => "\u0000".repeat(rng.range(1, 64))],
    [1, () => " \n\t\r\n"],
    [2, () => deepText(rng, rng.pick(DEPTHS))],
    [format === "yaml" ? 1 : 0, () => `${"- ".repeat(rng.pick(DEPTHS))}x`],
    [format === "yaml" ? 1 : 0, () => Array.from({ length: rng.pick([100, 1000, 2000]) }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " 1"],
    [format === "yaml" ? 1 : 0, () => "---\na: 1\n---\nb: 2\n"],
    [format === "yaml" ? 1 : 0, () => "%YAML 1.2\n---\na: 1\n"],
    [format === "yaml" ? 1 : 0, () => "%TAG ! tag:evil.example,2000:\n--- !x\na: 1\n"],
    [1, () => `"${"a".repeat(rng.pick(HUGE))}"`],
    [1, () => String(wrongValue(rng, format))],
    [1, () => rng.pick(LIMIT_NUMBERS)],
  ])();
}

export interface DocInputOptions {
  format: Format;
  /** Parsed seeds (the documents), and the same seeds as bytes. */
  docs: readonly unknown[];
  texts: readonly Uint8Array[];
  dictionary: readonly string[];
  maxBytes: number;
}

const encoder = new TextEncoder();

/** One input of a document format: a seed mutated as bytes, edited as a structure, or both; or an oddity. */
export function docInput(rng: Rng, options: DocInputOptions): Uint8Array {
  const ctx: MutationContext = { others: options.texts, dictionary: options.dictionary, maxBytes: options.maxBytes };
  const made = rng.weighted<() => Uint8Array>([
    [4, () => mutateBytes(rng, rng.pick(options.texts), ctx)],
    [5, () => encoder.encode(emitDoc(rng, mutateDoc(rng, rng.pick(options.docs), options.format, options.dictionary), options.format))],
    [1, () => mutateBytes(rng, encoder.encode(emitDoc(rng, mutateDoc(rng, rng.pick(options.docs), options.format, options.dictionary), options.format)), ctx)],
    [0.4, () => encoder.encode(oddDocument(rng, options.format))],
  ])();
  // Past the target's own limit only by a little: what lies beyond is refused by size alone.
  return made.length > options.maxBytes ? made.subarray(0, options.maxBytes) : made;
}
