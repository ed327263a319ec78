/**
 * User-data, the whole way from bytes (readUserData: base64 when the source says so, gzip, MIME
 * multipart, #cloud-config YAML, scripts, then the cloud-config schema and every write_files
 * content decoded). Inputs: the seeds mutated as bytes; cloud-config edited as a document (wrong
 * types in every field); gzip streams damaged or inflating past the limit; MIME structure bent.
 */
import { describe, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { parse as parseYamlText } from "yaml";
import { readUserData, type UserData } from "../../src/userdata/index.ts";
import { expectJsonSerializable } from "./lib/checks.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { mutateBytes, type MutationContext } from "./lib/mutate.ts";
import type { Rng } from "./lib/prng.ts";
import { bytesOf, wordsOf } from "./lib/seeds.ts";
import { emitDoc, mutateDoc } from "./lib/structures.ts";
import { CLOUD_CONFIG, MIME, SMALL_CLOUD_CONFIGS, USER_DATA_WORDS, userDataSeeds } from "./lib/user-data-seeds.ts";

interface Case {
  bytes: Uint8Array;
  base64: boolean;
}

const seeds = userDataSeeds();
const configDocs = [CLOUD_CONFIG, ...SMALL_CLOUD_CONFIGS].map((t) => parseYamlText(t) ?? {});
const configWords = wordsOf(configDocs, USER_DATA_WORDS);
const ctx: MutationContext = { others: seeds, dictionary: configWords, maxBytes: 4 << 20 };

/** Made once: a small stream that inflates past the 16 MiB limit, and one just under it. */
const BOMB = new Uint8Array(gzipSync(Buffer.alloc((16 << 20) + 1, 0x61)));
const NEAR_BOMB = new Uint8Array(gzipSync(Buffer.concat([Buffer.from("#cloud-config\nfinal_message: |\n  "), Buffer.alloc(15 << 20, 0x61)])));

function mimeOf(rng: Rng, parts: string[]): string {
  const boundary = rng.pick(["b", "==x==", "a\"b", "", "x".repeat(80), "--", "b; other=1"]);
  const header = rng.pick([`Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n`, `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=${boundary}\n`, "MIME-Version: 1.0\n"]);
  const bodies = parts.map((p) => `--${boundary}\n${rng.pick(["Content-Type: text/cloud-config\n", "Content-Type: text/x-shellscript\n", "", "Content-Transfer-Encoding: base64\n", "Content-Type: text/plain; charset=us-ascii\nContent-Disposition: attachment; filename=\"../../x\"\n"])}\n${p}\n`);
  return `${header}\n${bodies.join("")}${rng.chance(0.8) ? `--${boundary}--\n` : ""}`;
}

function generate(rng: Rng): Case {
  const base64 = rng.chance(0.1);
  const bytes = rng.weighted<() => Uint8Array>([
    [4, () => mutateBytes(rng, rng.pick(seeds), ctx)],
    [5, () => bytesOf(`#cloud-config\n${emitDoc(rng, mutateDoc(rng, rng.pick(configDocs), "yaml", configWords), "yaml")}`)],
    [2, () => bytesOf(mimeOf(rng, Array.from({ length: rng.pick([1, 2, 3, 3, 40]) }, () => rng.chance(0.5) ? `#cloud-config\n${emitDoc(rng, mutateDoc(rng, rng.pick(configDocs), "yaml", configWords), "yaml")}` : rng.pick([MIME, "#!/bin/sh\necho x", "aGVsbG8=", "=ZZ=\n"]))))],
    // Nested multipart, deeper than the limit now and then.
    [0.5, () => bytesOf(Array.from({ length: rng.pick([2, 5, 6, 50]) }, (_, i) => `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n`).join("") + "#cloud-config\nhostname: deep\n")],
    [1, () => new Uint8Array(gzipSync(mutateBytes(rng, rng.pick(seeds), ctx)))],
    [1, () => mutateBytes(rng, new Uint8Array(gzipSync(rng.pick(seeds))), { ...ctx, dictionary: [] })],
    [0.2, () => (rng.chance(0.5) ? BOMB : NEAR_BOMB)],
  ])();
  return { bytes: base64 ? bytesOf(rng.chance(0.9) ? Buffer.from(bytes).toString("base64") : Buffer.from(bytes).toString("latin1")) : bytes, base64 };
}

const target: FuzzTarget<Case> = {
  name: "user-data (gzip, base64, MIME, cloud-config, scripts)",
  file: import.meta.path,
  count: 1200,
  generate,
  run: ({ bytes, base64 }) => readUserData(bytes, { source: "fuzz user-data", base64 }),
  check(result) {
    const data = result as UserData;
    if (data.writeFileContents.length !== (data.config.write_files?.length ?? 0)) throw new Error("a write_files entry without its content, or the reverse");
    for (const s of data.scripts) if (!(s.content instanceof Uint8Array)) throw new Error(`script ${s.name}: content is not bytes`);
    if (!data.warnings.every((w) => typeof w === "string")) throw new Error("a warning that is not text");
    expectJsonSerializable(data.config, "the cloud-config");
  },
  show: ({ bytes, base64 }) => `${base64 ? "(base64) " : ""}${JSON.stringify(Buffer.from(bytes.subarray(0, 400)).toString("latin1"))}${bytes.length > 400 ? `… (${bytes.length} bytes)` : ""}`,
  bytes: ({ bytes }) => bytes,
};

describe("fuzz: user-data", () => {
  test(target.name, async () => expectClean(await fuzz(target), target), timeoutFor(target.count, 40));
});
