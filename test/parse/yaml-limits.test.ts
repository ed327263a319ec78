/**
 * Regressions found by the fuzzer: YAML documents whose parse cost grew past any bound, or whose
 * value broke whatever walked or wrote it next.
 */
import { describe, expect, spyOn, test } from "bun:test";
import { InputError } from "../../src/errors.ts";
import { parseYaml } from "../../src/parse/yaml.ts";
import { parseDocument } from "yaml";
import { keyProblem, MAX_YAML_TOKENS } from "../../src/parse/yaml-limits.ts";

function refusal(text: string): string {
  try {
    parseYaml(text, "doc");
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error("accepted");
}

const timed = <T>(f: () => T): [T, number] => {
  const started = performance.now();
  const value = f();
  return [value, performance.now() - started];
};

describe("parseYaml refuses documents that contain themselves", () => {
  test.each([["&a [*a]"], ["&m {k: *m}"], ["top: &p [1, &q [*p, *q]]"]])("%s", (text) => {
    // Before: a cyclic value, on which JSON.stringify (an error message, the state) threw a TypeError.
    expect(refusal(text)).toBe("doc: refused YAML: an alias refers to a node that contains it (the document contains itself)");
  });

  test("an alias to a sibling is no cycle", () => {
    expect(parseYaml("a: &x [1, 2]\nb: *x\n", "doc")).toEqual({ a: [1, 2], b: [1, 2] });
  });
});

describe("parseYaml bounds nesting", () => {
  test("64 levels are read; 65 are refused, in flow and in block style", () => {
    expect(parseYaml(`${"[".repeat(64)}${"]".repeat(64)}`, "doc")).toBeArray();
    expect(refusal(`${"[".repeat(65)}${"]".repeat(65)}`)).toBe("doc: refused YAML: flow collections nested deeper than 64 levels");
    const block = Array.from({ length: 65 }, (_, i) => `${" ".repeat(i)}k:`).join("\n") + " 1";
    expect(refusal(block)).toBe("doc: refused YAML: nested deeper than 64 levels");
  });

  test("a megabyte of open brackets is refused at once, not parsed into 200,000 errors", () => {
    const [message, ms] = timed(() => refusal(`x: ${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`));
    expect(message).toBe("doc: refused YAML: flow collections nested deeper than 64 levels");
    expect(ms).toBeLessThan(1000);
  });
});

describe("the yaml package's own stack overflow", () => {
  test("its parser recursing past the stack (inside the token limit) is an InputError, not a RangeError", () => {
    const text = `a:\n  e: {b: c: {d: 4}, x: ${"p: false, f: 4}, x: ".repeat(3252)}[1]}\n`;
    // Where the stack gives out depends on the stack; that it ends in an InputError does not.
    expect(refusal(text)).toContain("invalid YAML");
  });
});

describe("parseYaml bounds its work by tokens", () => {
  test(`past ${MAX_YAML_TOKENS} tokens a document is refused before it is parsed (8 MB of "a," took 18 s and 3.9 GB)`, () => {
    const [message, ms] = timed(() => refusal(`x: [${"a,".repeat(4_000_000)}a]`));
    expect(message).toBe(`doc: refused YAML: more than ${MAX_YAML_TOKENS} YAML tokens: refused (no configuration is that large)`);
    expect(ms).toBeLessThan(2000);
  });

  test("a long block scalar is one token, however long", () => {
    const value = parseYaml(`content: |\n${"  a line of a file\n".repeat(200_000)}`, "doc") as { content: string };
    expect(value.content.length).toBe(200_000 * 17);
  });

  test("a shared budget is spent across documents", () => {
    const budget = { tokens: 30 };
    parseYaml("a: 1\nb: 2\n", "doc", budget);
    expect(budget.tokens).toBeLessThan(30);
    expect(() => parseYaml("c: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n", "doc", budget)).toThrow("YAML tokens");
  });
});

describe("duplicate keys are found in linear time", () => {
  test("30,000 keys are checked in well under a second: the package's own check compared every pair, 16 s", () => {
    const doc = parseDocument(Array.from({ length: 30_000 }, (_, i) => `k${i}: v`).join("\n"), { uniqueKeys: false });
    const [problem, ms] = timed(() => keyProblem(doc));
    expect(problem).toBeNull();
    expect(ms).toBeLessThan(1000);
  });

  test("a duplicate is still refused, with its line; merge keys may repeat", () => {
    expect(refusal("a: 1\nb: 2\na: 3\n")).toBe("doc: line 3, column 1: invalid YAML: Map keys must be unique");
    expect(refusal("x: {p: 1, q: 2, p: 3}\n")).toBe("doc: line 1, column 17: invalid YAML: Map keys must be unique");
    expect(parseYaml("base: &b {a: 1}\nmore: &m {c: 3}\nx:\n  <<: *b\n  <<: *m\n  d: 4\n", "doc")).toMatchObject({ x: { a: 1, c: 3, d: 4 } });
  });

  test("1 and '1' are different keys, as in PyYAML", () => {
    expect(parseYaml("1: a\n'1': b\n", "doc")).toEqual({ 1: "b" });
  });
});

describe("a list or mapping as a key", () => {
  test("is refused, as PyYAML refuses it (unhashable), and nothing is printed", () => {
    const warn = spyOn(process, "emitWarning");
    try {
      expect(refusal("? [a, b]\n: c\n")).toBe("doc: line 1, column 3: invalid YAML: a list or mapping used as a key (PyYAML cannot read it either: unhashable key)");
      expect(refusal("{? {a: 1}: b}")).toStartWith("doc: line 1, column 4: invalid YAML: a list or mapping used as a key");
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
