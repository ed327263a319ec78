import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GOLDENS, goldensOf, inputs } from "../../../helpers/network-goldens.ts";

/** Every fixture × renderer against its reviewed golden (regenerate: bun scripts/update-network-goldens.ts). */
describe("network goldens", () => {
  for (const input of inputs()) {
    for (const [name, content] of Object.entries(goldensOf(input))) {
      test(name, () => {
        expect(content).toBe(readFileSync(join(GOLDENS, name), "utf8"));
      });
    }
  }
});
