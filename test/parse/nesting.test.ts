import { describe, expect, test } from "bun:test";
import { MAX_NESTING, nestingProblem } from "../../src/parse/nesting.ts";
import { parseJson } from "../../src/parse/json.ts";
import { InputError } from "../../src/errors.ts";

const nest = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe("nestingProblem", () => {
  test("scalars and trees up to the limit are fine; one more level is not", () => {
    expect(nestingProblem("x")).toBeNull();
    expect(nestingProblem(nest(MAX_NESTING))).toBeNull();
    expect(nestingProblem(nest(MAX_NESTING + 1))).toBe(`nested deeper than ${MAX_NESTING} levels`);
  });

  test("a cycle, however it is reached", () => {
    const a: unknown[] = [];
    a.push({ b: a });
    expect(nestingProblem({ top: [1, a] })).toBe("an alias refers to a node that contains it (the document contains itself)");
  });

  test("a subtree shared a billion times over is walked once (a DAG, as YAML aliases make)", () => {
    let node: unknown = ["x"];
    for (let i = 0; i < 30; i++) node = [node, node];
    const started = performance.now();
    expect(nestingProblem(node)).toBeNull();
    expect(performance.now() - started).toBeLessThan(100);
  });

  test("a value 500,000 deep is judged without using the stack", () => {
    expect(nestingProblem(nest(500_000))).toBe(`nested deeper than ${MAX_NESTING} levels`);
  });
});

describe("parseJson", () => {
  test("JSON 100,000 deep is refused: JSON.parse takes it, JSON.stringify (the state, --json) overflowed on it", () => {
    const text = `{"meta": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(() => parseJson(text, "meta_data.json")).toThrow(InputError);
    expect(() => parseJson(text, "meta_data.json")).toThrow("meta_data.json: refused JSON: nested deeper than 64 levels");
  });

  test("invalid JSON names the source", () => {
    expect(() => parseJson("{", "x.json")).toThrow(/^x\.json: invalid JSON: /);
  });
});
