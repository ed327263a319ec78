import { describe, expect, test } from "bun:test";
import { InputError } from "../../src/errors.ts";
import { parseYaml } from "../../src/parse/yaml.ts";

describe("parseYaml: YAML 1.1, as PyYAML reads cloud-config", () => {
  test("yes/no/on/off are booleans, 0644 is octal, 1:20 is sexagesimal", () => {
    expect(parseYaml("a: yes\nb: no\nc: on\nd: off\ne: 0644\nf: 1:20\ng: '0644'\n", "t")).toEqual({
      a: true,
      b: false,
      c: true,
      d: false,
      e: 0o644,
      f: 80,
      g: "0644",
    });
  });

  test("a syntax error names the source and the line", () => {
    const error = (() => {
      try {
        parseYaml("a: 1\nb: [unclosed\n", "seed/meta-data");
      } catch (e) {
        return e;
      }
    })() as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.source).toBe("seed/meta-data");
    expect(error.message).toMatch(/^seed\/meta-data: line \d+, column \d+: invalid YAML/);
  });

  test("duplicate keys are refused, not silently merged", () => {
    expect(() => parseYaml("instance-id: a\ninstance-id: b\n", "m")).toThrow("Map keys must be unique");
  });

  test("an alias bomb is refused before it expands", () => {
    const rows = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [name, prev] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"], ["g", "f"]]) {
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    expect(() => parseYaml(rows.join("\n"), "bomb")).toThrow(/bomb: invalid YAML: .*alias/i);
  });

  test("a few honest aliases still work", () => {
    expect(parseYaml("base: &b {shell: /bin/sh}\nuser: *b\n", "t")).toEqual({ base: { shell: "/bin/sh" }, user: { shell: "/bin/sh" } });
  });
});
