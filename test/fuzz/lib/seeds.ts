/** Seeds as the fuzzers take them: parsed documents, their bytes, and the words they are made of. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYamlText } from "yaml";
import { REPO } from "../../helpers/run-agent.ts";

export const FIXTURES = join(REPO, "test/fixtures");

export const fixtureText = (path: string) => readFileSync(join(FIXTURES, path), "utf8");

const encoder = new TextEncoder();
export const bytesOf = (text: string) => encoder.encode(text);

/** Every key and short string value of the documents: the vocabulary a word mutation draws from. */
export function wordsOf(docs: readonly unknown[], extra: readonly string[] = []): string[] {
  const words = new Set<string>(extra);
  const stack = [...docs];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node === "string" && node.length <= 40) words.add(node);
    else if (Array.isArray(node)) stack.push(...node);
    else if (typeof node === "object" && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        words.add(k);
        stack.push(v);
      }
    }
  }
  return [...words];
}

export interface SeedSet {
  docs: unknown[];
  texts: Uint8Array[];
  dictionary: string[];
}

/** Seeds from their texts; YAML and JSON alike are parsed with the yaml package (JSON is YAML). */
export function seedSet(texts: readonly string[], extraWords: readonly string[] = []): SeedSet {
  const docs = texts.map((t) => parseYamlText(t) as unknown);
  return { docs, texts: texts.map(bytesOf), dictionary: wordsOf(docs, extraWords) };
}
