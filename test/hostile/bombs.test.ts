import { afterAll, describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { serve, stopServers } from "../transports/metadata-http/fake-imds.ts";
import { cleanCases, CLEANUP_MS, measured, outsideOf, pool, userDataCase } from "./rig.ts";

/**
 * Small inputs that would become large: gzip bombs, YAML's billion laughs, MIME with thousands of
 * parts or nested ever deeper, YAML nested past any stack, base64 of a gzip bomb inside a file's
 * content; and user-data that would make the agent fetch a URL. Each is refused while reading the
 * user-data (exit 1 naming the source and, where there is one, the field), fast and with bounded
 * memory.
 */
afterAll(() => {
  cleanCases();
  stopServers();
}, CLEANUP_MS);

const MB = 1 << 20;
const RSS_BOUND = 250 * MB;

function laughs(levels: number): string {
  let text = '#cloud-config\nlol0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < levels; i++) text += `lol${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(",")}]\n`;
  return text;
}

function multipart(parts: number, boundary = "BOUNDARY"): string {
  const body = Array.from({ length: parts }, (_, i) => `--${boundary}\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho ${i}\n`).join("");
  return `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n${body}--${boundary}--\n`;
}

function nested(depth: number): string {
  let inner = "Content-Type: text/cloud-config\n\n#cloud-config\nhostname: deep\n";
  for (let d = 0; d < depth; d++) inner = `Content-Type: multipart/mixed; boundary="B${d}"\nMIME-Version: 1.0\n\n--B${d}\n${inner}\n--B${d}--\n`;
  return inner;
}

describe("decompression and expansion bombs", () => {
  test("each refused while reading user-data, naming it, in bounded time and memory", async () => {
    const bomb = await gzipped("#cloud-config\nwrite_files:\n  - path: /etc/x\n    content: '", 1 << 30);
    const innerBomb = Buffer.from(await gzipped("", 1 << 30)).toString("base64");
    const cases: [string, string | Uint8Array, string][] = [
      ["gzip of 1 GiB (1 MB given)", bomb, "gzip data expands past the limit of 16777216 bytes: refused (a decompression bomb?)"],
      ["gzip of a gzip (each small, together a bomb)", gzipSync(bomb), "gzip data expands past the limit"],
      ["a write_files entry gz+b64 of 1 GiB", `#cloud-config\nwrite_files:\n  - path: /etc/x\n    encoding: gz+b64\n    content: ${innerBomb}\n`, "write_files[0].content: gzip data expands past the limit"],
      ["billion laughs: 9 levels of 9 aliases", laughs(9), "invalid YAML: Excessive alias count"],
      ["aliases 4 levels deep (729 expansions; the limit is 100)", laughs(4), "invalid YAML: Excessive alias count"],
      ["MIME with 5000 parts", multipart(5000), "more than 256 MIME parts: refused"],
      ["MIME nested 10 deep", nested(10), "MIME multipart nested deeper than 5 levels: refused"],
      // refused by the YAML reader's own nesting bound (or, without it, by the stack running out): named either way
      ["YAML nested 100 000 deep", `#cloud-config\nx: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, "YAML"],
      ["YAML mappings nested 10 000 deep", `#cloud-config\nx: ${"{a: ".repeat(10_000)}1${"}".repeat(10_000)}\n`, "YAML"],
    ];
    const seeds = cases.map(([, userData]) => userDataCase(userData));
    const before = seeds.map(outsideOf);
    const runs = await pool(3, seeds.map((c) => () => measured(["boot", "--seed", c.seed, "--root", c.root])));
    const seen = runs.map((run, i) => {
      const [what, , message] = cases[i] as (typeof cases)[number];
      const c = seeds[i] as (typeof seeds)[number];
      const line = run.stderr.trim().split("\n").pop() ?? "";
      const ok = run.code === 1 && line.startsWith(`agent: ${c.seed} user-data: `) && line.includes(message) && run.maxRss < RSS_BOUND && run.ms < 15_000;
      return ok && JSON.stringify(outsideOf(c)) === JSON.stringify(before[i]) ? `ok ${what}` : `FAILED ${what}: exit ${run.code} in ${Math.round(run.ms)} ms, ${Math.round(run.maxRss / MB)} MiB: ${line.slice(0, 300)}`;
    });
    expect(seen).toEqual(cases.map(([what]) => `ok ${what}`));
  }, 120_000);
});

describe("user-data that would have the agent fetch", () => {
  test("#include and #include-once of a URL: refused, the URL never asked", async () => {
    let asked = 0;
    const url = serve(() => {
      asked++;
      return new Response("#cloud-config\nruncmd: [[touch, /tmp/x]]\n");
    });
    for (const header of ["#include", "#include-once"]) {
      const c = userDataCase(`${header}\n${url}/user-data\nfile:///etc/shadow\n`);
      const run = await measured(["boot", "--seed", c.seed, "--root", c.root]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`agent: ${c.seed} user-data: `);
      expect(run.stderr).toContain(`${header} (user-data fetched from URLs) is not supported`);
    }
    expect(asked).toBe(0);
  });
});

/** `prefix` then `size` bytes of "a", gzipped a piece at a time: the test never holds the expansion. */
async function gzipped(prefix: string, size: number): Promise<Uint8Array> {
  const { createGzip } = await import("node:zlib");
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on("data", (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve, reject) => {
    gz.on("end", resolve);
    gz.on("error", reject);
  });
  const piece = Buffer.alloc(16 * MB, 0x61);
  const write = (b: Buffer | string) => new Promise<void>((resolve) => (gz.write(b) ? resolve() : gz.once("drain", resolve)));
  await write(prefix);
  for (let n = 0; n < size; n += piece.length) await write(piece);
  gz.end();
  await done;
  return new Uint8Array(Buffer.concat(out));
}
