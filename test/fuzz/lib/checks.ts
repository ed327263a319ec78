/**
 * What a valid result is, beyond "it returned": the shapes the next layer relies on. A network
 * configuration must pass the model's own schema (renderers trust it), and hold no control
 * characters (every renderer writes line-based files); instance data must survive JSON (the state
 * records it), which a cyclic or 100k-deep value does not.
 */
import * as v from "valibot";
import { NetworkConfigSchema } from "../../../src/model/network.ts";

/** Throws naming the first string with a control character, and where it is. */
export function expectNoControlCharacters(value: unknown, what: string): void {
  const stack: [unknown, string][] = [[value, what]];
  const seen = new Set<unknown>();
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (typeof node === "string") {
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f\u2028\u2029]/.test(node)) throw new Error(`${path}: ${JSON.stringify(node.slice(0, 80))} holds a control character`);
      continue;
    }
    if (typeof node !== "object" || node === null || seen.has(node) || node instanceof Uint8Array) continue;
    seen.add(node);
    for (const [k, child] of Object.entries(node)) {
      if (/[\x00-\x1f\x7f]/.test(k)) throw new Error(`${path}: the key ${JSON.stringify(k)} holds a control character`);
      stack.push([child, `${path}.${k}`]);
    }
  }
}

export function expectValidNetworkConfig(config: unknown, what = "network config"): void {
  const result = v.safeParse(NetworkConfigSchema, config);
  if (!result.success) {
    const issue = result.issues[0]!;
    throw new Error(`${what} fails NetworkConfigSchema at ${v.getDotPath(issue) ?? "(top)"}: ${issue.message}`);
  }
  expectNoControlCharacters(config, what);
}

/** The state and --json write results with JSON.stringify: it must not throw on them. */
export function expectJsonSerializable(value: unknown, what: string): void {
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new Error(`${what} cannot be written as JSON: ${(error as Error).name}: ${(error as Error).message}`);
  }
}
