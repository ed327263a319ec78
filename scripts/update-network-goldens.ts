#!/usr/bin/env bun
/**
 * Regenerates test/fixtures/network/golden/ from the inputs: the intermediate NetworkConfig and
 * every renderer's output for each. Review the diff by eye before committing: a golden is only
 * as right as the person who read it.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GOLDENS, goldensOf, inputs } from "../test/helpers/network-goldens.ts";

mkdirSync(GOLDENS, { recursive: true });
for (const stale of readdirSync(GOLDENS)) rmSync(join(GOLDENS, stale));
let count = 0;
for (const input of inputs()) {
  for (const [name, content] of Object.entries(goldensOf(input))) {
    writeFileSync(join(GOLDENS, name), content);
    count++;
  }
}
console.log(`wrote ${count} goldens to ${GOLDENS}`);
