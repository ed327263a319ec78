#!/usr/bin/env bun
/**
 * Binaries: the size of each dist/agent-* target (those present; the missing ones are named, and
 * `npm run build` makes them) and of the JS payload inside. Downloads nothing.
 *
 * How the payload is measured, two ways:
 * - In the binary: `bun build --compile` puts the standalone module graph (the bundled JS, its
 *   bytecode, the module table and the "---- Bun! ----" trailer) in a section of its own, `.bun`,
 *   in the ELF binaries and in the Windows PE alike; its size is read from the section table (a
 *   small ELF64/PE parser here, no readelf needed). Everything else in the file is Bun's runtime.
 * - Rebuilt: the bundle built the way scripts/build-binaries.ts builds it (same entry, minify,
 *   no source map) but without `compile`, into a temp dir, for the host: the .js as the binary
 *   embeds it (ESM). Bun 1.4.5 refuses ESM bytecode without compile ("ESM bytecode requires
 *   compile: true"), so the bytecode is estimated from a CommonJS build with bytecode (.js +
 *   .jsc): the same code, a different module format, so the size is close but not the binary's.
 *
 *   bun bench/binaries.ts [--dist dist]
 */
import { existsSync, mkdtempSync, openSync, readSync, closeSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { TARGETS } from "../scripts/build-binaries.ts";
import { record, type Figure } from "./results.ts";

const { values } = parseArgs({ options: { dist: { type: "string", default: "dist" } } });
const REPO = resolve(import.meta.dir, "..");
const dist = resolve(values.dist as string);
const ENTRY = join(REPO, "src/main.ts");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, offset);
  return buf;
}

/** The size of the section named `.bun` in an ELF64 or PE file, or null when there is none. */
function bunSectionSize(path: string): { size: number; format: string } | null {
  const fd = openSync(path, "r");
  try {
    const head = readAt(fd, 0, 64);
    if (head.readUInt32BE(0) === 0x7f454c46) {
      if (head[4] !== 2 || head[5] !== 1) return null; // ELF64 little-endian only (all four Linux targets)
      const shoff = Number(head.readBigUInt64LE(0x28));
      const shentsize = head.readUInt16LE(0x3a);
      const shnum = head.readUInt16LE(0x3c);
      const shstrndx = head.readUInt16LE(0x3e);
      const table = readAt(fd, shoff, shentsize * shnum);
      const strSh = shstrndx * shentsize;
      const strtab = readAt(fd, Number(table.readBigUInt64LE(strSh + 24)), Number(table.readBigUInt64LE(strSh + 32)));
      for (let i = 0; i < shnum; i++) {
        const at = i * shentsize;
        const nameOff = table.readUInt32LE(at);
        const name = strtab.toString("latin1", nameOff, strtab.indexOf(0, nameOff));
        if (name === ".bun") return { size: Number(table.readBigUInt64LE(at + 32)), format: "ELF section .bun" };
      }
      return null;
    }
    if (head.toString("latin1", 0, 2) === "MZ") {
      const pe = head.readUInt32LE(0x3c);
      const coff = readAt(fd, pe, 24);
      if (coff.toString("latin1", 0, 4) !== "PE\0\0") return null;
      const count = coff.readUInt16LE(6);
      const optional = coff.readUInt16LE(20);
      const table = readAt(fd, pe + 24 + optional, 40 * count);
      for (let i = 0; i < count; i++) {
        const name = table.toString("latin1", i * 40, i * 40 + 8).replace(/\0+$/, "");
        // VirtualSize: the bytes that are the data (SizeOfRawData is that rounded up to the file alignment).
        if (name === ".bun") return { size: table.readUInt32LE(i * 40 + 8), format: "PE section .bun" };
      }
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

async function bundle(outdir: string, format: "esm" | "cjs", bytecode: boolean): Promise<Record<string, number>> {
  const result = await Bun.build({ entrypoints: [ENTRY], minify: true, sourcemap: "none", bytecode, format, target: "bun", outdir });
  if (!result.success) throw new Error(`bundle (${format}${bytecode ? ", bytecode" : ""}) failed:\n${result.logs.map(String).join("\n")}`);
  const sizes: Record<string, number> = {};
  for (const file of readdirSync(outdir)) sizes[file] = statSync(join(outdir, file)).size;
  return sizes;
}

const work = mkdtempSync(join(tmpdir(), "tether-bench-binaries-"));
try {
  const figures: Figure[] = [];
  const missing: string[] = [];
  const rows: string[] = [];
  for (const [name, { file }] of Object.entries(TARGETS)) {
    const path = join(dist, file);
    if (!existsSync(path)) {
      missing.push(file);
      continue;
    }
    const { size, mtime } = statSync(path);
    const payload = bunSectionSize(path);
    const note = payload ? `${payload.format}: ${payload.size} bytes; runtime and the rest ${mib(size - payload.size)}` : "no .bun section found";
    // Targets built at different times embed different source: the date says which.
    const built = `built ${mtime.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    rows.push(`| ${file} | ${name} | ${size} | ${mib(size)} | ${payload ? `${payload.size} (${mib(payload.size)})` : "–"} | ${note}; ${built} |`);
    figures.push({ case: `${file}, file`, unit: "bytes", median: size, note: `${mib(size)}, ${built}` });
    if (payload) figures.push({ case: `${file}, JS payload (${payload.format})`, unit: "bytes", median: payload.size, note: mib(payload.size) });
  }

  const esm = await bundle(join(work, "esm"), "esm", false);
  const cjs = await bundle(join(work, "cjs"), "cjs", true);
  const esmJs = esm["main.js"] ?? NaN;
  const cjsJs = cjs["main.js"] ?? NaN;
  const cjsJsc = cjs["main.js.jsc"] ?? NaN;
  figures.push({ case: "bundle, ESM minified JS (as embedded)", unit: "bytes", median: esmJs, note: "Bun.build without compile" });
  figures.push({ case: "bundle, CJS minified JS + bytecode (.js / .jsc)", unit: "bytes", median: cjsJs + cjsJsc, note: `${cjsJs} + ${cjsJsc}; estimate: ESM bytecode needs compile` });

  console.log(`measured: ${relative(REPO, dist) || "."}/; payload from each binary's .bun section, and the bundle rebuilt without compile (Bun ${Bun.version})`);
  console.log("| binary | target | bytes | MiB | JS payload (.bun section) bytes | note |\n|---|---|---|---|---|---|");
  for (const line of rows) console.log(line);
  if (missing.length) console.log(`missing: ${missing.join(", ")} (npm run build makes every target; bun scripts/build-binaries.ts --target NAME one)`);
  console.log("");
  console.log("| bundle rebuilt like scripts/build-binaries.ts, without compile | bytes | MiB |\n|---|---|---|");
  console.log(`| ESM, minified, no bytecode (the JS the binary embeds) | ${esmJs} | ${mib(esmJs)} |`);
  console.log(`| CommonJS, minified, with bytecode: main.js + main.js.jsc | ${cjsJs} + ${cjsJsc} = ${cjsJs + cjsJsc} | ${mib(cjsJs + cjsJsc)} |`);
  console.log("(ESM bytecode is only produced with compile in Bun 1.4.5; the CommonJS .jsc is an estimate of its size)");

  record({
    id: "binaries",
    title: "Binaries: size of each target and of the JS payload inside",
    context: [
      `${relative(REPO, dist) || "."}/agent-* (${rows.length} of ${Object.keys(TARGETS).length} targets present${missing.length ? `; missing: ${missing.join(", ")}, npm run build makes them` : ""})`,
      "payload: the size of the .bun section (ELF or PE) that holds the standalone module graph (JS, bytecode, module table); bundle: Bun.build of src/main.ts with the release options, without compile",
    ],
    figures,
    ratios: [],
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
