/**
 * The models the commands are made of: the agent update request (parseAgentUpdate: "<url>,<digest>"),
 * the downloaded binary's header check (executableProblem), an injected file's path
 * (checkInjectPath), and the cloud-config schema (parseCloudConfig) on documents with wrong types in
 * every field, including the values YAML makes that JSON cannot (dates, bytes, sets, maps).
 */
import { describe, test } from "bun:test";
import { openSync, readSync, closeSync } from "node:fs";
import { executableProblem } from "../../src/daemon/binary-format.ts";
import { checkInjectPath } from "../../src/daemon/inject-policy.ts";
import { displayUrl, parseAgentUpdate } from "../../src/model/agent-update-request.ts";
import { parseCloudConfig } from "../../src/model/cloud-config/index.ts";
import { parse as parseYamlText } from "yaml";
import { expectJsonSerializable } from "./lib/checks.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { mutateBytes, utf8Bytes } from "./lib/mutate.ts";
import type { Rng } from "./lib/prng.ts";
import { REPO } from "../helpers/run-agent.ts";
import { wordsOf } from "./lib/seeds.ts";
import { mutateDoc, Raw } from "./lib/structures.ts";
import { CLOUD_CONFIG, SMALL_CLOUD_CONFIGS, USER_DATA_WORDS } from "./lib/user-data-seeds.ts";

const decoder = new TextDecoder();
const text = (rng: Rng, seed: string, words: string[]) => decoder.decode(mutateBytes(rng, utf8Bytes(seed), { others: [], dictionary: words, maxBytes: 20_000 }));

const UPDATE_SEEDS = [
  "https://updates.example.com/tether/agent-linux-x64?temp_url_sig=abc&temp_url_expires=1,d41d8cd98f00b204e9800998ecf8427e",
  `http://10.0.0.1:8080/a/b,c/agent,${"0123456789abcdef".repeat(4)}`,
  "https://[2001:db8::1]/agent,D41D8CD98F00B204E9800998ECF8427E",
];
const URL_WORDS = ["https://", "http://", "file:///etc/passwd", "javascript:", "data:,x", "ftp://", "user:pw@", "@", "[::1]", "%00", "%2e%2e/", "..", "#", "?", ",", "\t", " ", "\n", "xn--", "localhost", "169.254.169.254"];

const updateTarget: FuzzTarget<unknown> = {
  name: "agent update request",
  file: import.meta.path,
  count: 20000,
  generate: (rng) =>
    rng.weighted<() => unknown>([
      [8, () => text(rng, rng.pick(UPDATE_SEEDS), URL_WORDS)],
      [1, () => rng.pick([null, 42, {}, [], true, "", ",", "x".repeat(9000), `${"https://a/".padEnd(8190, "x")},${"a".repeat(32)}`])],
    ])(),
  run: (value) => parseAgentUpdate(value),
  check(result) {
    const { url, digest } = result as ReturnType<typeof parseAgentUpdate>;
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`an update from ${parsed.protocol}`);
    if (parsed.username || parsed.password) throw new Error("an update URL with credentials");
    if (!(digest.algorithm === "md5" ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{64}$/).test(digest.hex)) throw new Error(`a ${digest.algorithm} digest ${digest.hex}`);
    if (parsed.search && displayUrl(url).includes(parsed.search)) throw new Error("displayUrl shows the query (a signed URL's credential)");
  },
};

/** The first bytes of this machine's own bun: a real ELF header to damage. */
function elfHead(): Uint8Array {
  const fd = openSync(`${REPO}/node_modules/.bin/bun`, "r");
  try {
    const out = new Uint8Array(4096);
    readSync(fd, out, 0, out.length, 0);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** A minimal PE header: MZ, e_lfanew at 0x3c, "PE\0\0", x64 machine, executable characteristics. */
function peHead(): Uint8Array {
  const out = new Uint8Array(512);
  const view = new DataView(out.buffer);
  out.set([0x4d, 0x5a]);
  view.setUint32(0x3c, 0x80, true);
  view.setUint32(0x80, 0x50450000, false);
  view.setUint16(0x84, 0x8664, true);
  view.setUint16(0x96, 0x0022, true);
  return out;
}

const HEADS = [elfHead(), peHead()];

const binaryTarget: FuzzTarget<{ bytes: Uint8Array; platform: "linux" | "win32"; arch: string }> = {
  name: "agent update binary header",
  file: import.meta.path,
  count: 20000,
  generate: (rng) => {
    const seed = rng.pick(HEADS);
    const bytes = rng.chance(0.9) ? mutateBytes(rng, seed, { others: HEADS, dictionary: ["\x7fELF", "MZ", "PE\0\0"], maxBytes: 8192 }) : seed.subarray(0, rng.int(80));
    return { bytes, platform: rng.pick(["linux", "win32"] as const), arch: rng.pick(["x64", "arm64", "ia32", "riscv64", "mips"]) };
  },
  // Never throws, whatever the bytes: the answer is a reason or null.
  typed: () => false,
  run: ({ bytes, platform, arch }) => executableProblem(bytes, platform, arch),
  check(result) {
    if (result !== null && typeof result !== "string") throw new Error(`executableProblem answered ${typeof result}`);
  },
  bytes: ({ bytes }) => bytes,
};

const PATH_SEEDS = ["/etc/injected.conf", "/root/.ssh/authorized_keys", "/var/lib/x", "/"];
const PATH_WORDS = ["..", ".", "/", "//", "\0", "proc", "sys", "dev", "/proc/sys/kernel/core_pattern", "/dev/sda", "/run/udev", "~", "%2e", "\\", "C:", "\n", " "];

const pathTarget: FuzzTarget<string> = {
  name: "injected file path",
  file: import.meta.path,
  count: 20000,
  generate: (rng) => text(rng, rng.pick(PATH_SEEDS), PATH_WORDS),
  run: (raw) => checkInjectPath(raw, "fuzz"),
  check(result) {
    const path = result as string;
    if (!path.startsWith("/") || path.includes("\0") || path.split("/").some((p) => p === "..")) throw new Error(`a path let through: ${JSON.stringify(path)}`);
    if (/^\/(proc|sys|dev)(\/|$)/.test(path)) throw new Error(`a path into a kernel interface: ${path}`);
  },
};

/** What YAML makes besides JSON's values: the schema meets these from real documents. */
const YAML_ONLY: unknown[] = [new Date(0), new Date(8.64e15), new Uint8Array([1, 2, 3]), new Set(["a"]), new Map([["k", "v"]]), -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2];

const configDocs = [CLOUD_CONFIG, ...SMALL_CLOUD_CONFIGS].map((t) => parseYamlText(t) ?? {});
const configWords = wordsOf(configDocs, USER_DATA_WORDS);

/** Raw tokens are text; here the values go straight to the schema, so they become plain strings. */
function materialize(value: unknown, rng: Rng): unknown {
  if (value instanceof Raw) return rng.chance(0.5) ? rng.pick(YAML_ONLY) : value.text.slice(0, 200);
  if (Array.isArray(value)) return value.map((v) => materialize(v, rng));
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: materialize(v, rng), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

const configTarget: FuzzTarget<unknown> = {
  name: "cloud-config schema",
  file: import.meta.path,
  count: 4000,
  generate: (rng) => materialize(mutateDoc(rng, rng.pick(configDocs), "yaml", configWords), rng),
  run: (doc) => parseCloudConfig(doc, "fuzz cloud-config"),
  check(result) {
    const { config, warnings } = result as ReturnType<typeof parseCloudConfig>;
    if (!warnings.every((w) => typeof w === "string")) throw new Error("a warning that is not text");
    expectJsonSerializable(config, "the parsed cloud-config");
  },
};

describe("fuzz: models", () => {
  for (const t of [updateTarget, binaryTarget, pathTarget, configTarget] as FuzzTarget<unknown>[]) test(t.name, async () => expectClean(await fuzz(t), t), timeoutFor(t.count, 10));
});
