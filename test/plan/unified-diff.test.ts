import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unifiedDiff } from "../../src/plan/unified-diff.ts";
import { runArgv } from "../helpers/run-agent.ts";
import { tempDir } from "./helpers.ts";

const labels = { oldLabel: "a/f", newLabel: "b/f" };
const lines = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${i + from}\n`).join("");

describe("unifiedDiff", () => {
  test("equal texts: no diff at all", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", labels)).toBe("");
    expect(unifiedDiff("", "", labels)).toBe("");
  });

  test("two changes far apart are two hunks with 3 lines of context; near ones merge", () => {
    const old = lines(20);
    const far = old.replace("line 2\n", "line two\n").replace("line 18\n", "");
    expect(unifiedDiff(old, far, labels)).toBe(
      [
        "--- a/f",
        "+++ b/f",
        "@@ -1,5 +1,5 @@",
        " line 1",
        "-line 2",
        "+line two",
        " line 3",
        " line 4",
        " line 5",
        "@@ -15,6 +15,5 @@",
        " line 15",
        " line 16",
        " line 17",
        "-line 18",
        " line 19",
        " line 20",
        "",
      ].join("\n"),
    );
    // Six unchanged lines between two changes still make one hunk (the contexts touch), as in GNU diff.
    const near = old.replace("line 5\n", "five\n").replace("line 12\n", "twelve\n");
    expect(unifiedDiff(old, near, labels).match(/^@@/gm)).toHaveLength(1);
    const apart = old.replace("line 5\n", "five\n").replace("line 13\n", "thirteen\n");
    expect(unifiedDiff(old, apart, labels).match(/^@@/gm)).toHaveLength(2);
  });

  test("a new file, a deleted file, and a missing final newline", () => {
    expect(unifiedDiff("", "x\ny", { oldLabel: "/dev/null", newLabel: "b/f" })).toBe("--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n");
    expect(unifiedDiff("x\n", "", labels)).toBe("--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-x\n");
    expect(unifiedDiff("x\ny", "x\ny\n", labels)).toBe("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n");
  });

  test("past the edit-distance limit, the differing middle is shown replaced whole, still a valid diff", () => {
    const old = lines(2500);
    const other = lines(2500, 10000);
    const diff = unifiedDiff(`same\n${old}`, `same\n${other}`, labels);
    const body = diff.split("\n");
    expect(body.slice(0, 4)).toEqual(["--- a/f", "+++ b/f", "@@ -1,2501 +1,2501 @@", " same"]);
    expect(body.filter((l) => l.startsWith("-line")).length).toBe(2500);
    expect(body.filter((l) => l.startsWith("+line")).length).toBe(2500);
    expect(body[4]).toBe("-line 1");
    expect(body[2504]).toBe("+line 10000");
  });

  test("against the real patch(1) and diff(1): random edits apply exactly and are as short as diff --minimal's", async () => {
    const dir = tempDir("tether-udiff-");
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const words = ["alpha", "beta", "gamma", "delta", "", "# comment", "key=value"];
    for (let round = 0; round < 60; round++) {
      const a = Array.from({ length: rand(30) }, () => words[rand(words.length)] as string);
      const b = a.flatMap((line) => {
        const r = rand(10);
        if (r === 0) return [];
        if (r === 1) return [line, words[rand(words.length)] as string];
        if (r === 2) return [`${line}!`];
        return [line];
      });
      const oldText = a.join("\n") + (rand(4) === 0 || a.length === 0 ? "" : "\n");
      const newText = b.join("\n") + (rand(4) === 0 || b.length === 0 ? "" : "\n");
      const file = join(dir, "f");
      writeFileSync(file, oldText);
      writeFileSync(join(dir, "g"), newText);
      const diff = unifiedDiff(oldText, newText, labels);
      if (oldText === newText) {
        expect(diff).toBe("");
        continue;
      }
      writeFileSync(join(dir, "p"), diff);
      const applied = await runArgv(["patch", "--quiet", "--force", file, join(dir, "p")]);
      expect({ round, code: applied.code, stderr: applied.stderr }).toEqual({ round, code: 0, stderr: "" });
      expect({ round, text: readFileSync(file, "utf8") }).toEqual({ round, text: newText });
      writeFileSync(file, oldText);
      const gnu = await runArgv(["diff", "--minimal", "-u", file, join(dir, "g")]);
      const count = (d: string) => d.split("\n").filter((l) => /^[-+](?!--|\+\+)/.test(l)).length;
      expect({ round, edits: count(diff) }).toEqual({ round, edits: count(gnu.stdout) });
    }
  });
});
