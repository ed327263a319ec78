#!/usr/bin/env bun
/**
 * Builds the single-file agent for every target: dist/agent-<os>-<arch>[-musl][.exe],
 * dist/SHA256SUMS, and a size line per binary.
 *
 *   bun scripts/build-binaries.ts                       # every target into dist/
 *   bun scripts/build-binaries.ts --target linux-x64    # one (repeatable)
 *   bun scripts/build-binaries.ts --outdir /tmp/out
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

/**
 * x64 builds use Bun's -baseline runtime (no AVX2): clouds pin old CPU models such as Nehalem for
 * live migration, and the agent must start there. See DESIGN.md, "the CPU floor".
 */
export const TARGETS = {
  "linux-x64": { bun: "bun-linux-x64-baseline", file: "agent-linux-x64" },
  "linux-x64-musl": { bun: "bun-linux-x64-baseline-musl", file: "agent-linux-x64-musl" },
  "linux-arm64": { bun: "bun-linux-arm64", file: "agent-linux-arm64" },
  "linux-arm64-musl": { bun: "bun-linux-arm64-musl", file: "agent-linux-arm64-musl" },
  "windows-x64": { bun: "bun-windows-x64-baseline", file: "agent-windows-x64.exe" },
} as const satisfies Record<string, { bun: Bun.Build.CompileTarget; file: string }>;

export type TargetName = keyof typeof TARGETS;

const ENTRY = resolve(import.meta.dir, "../src/main.ts");

export interface BuildOptions {
  /** Only for the test that proves the default is unsafe: never set in a release build. */
  autoloadWorkingDirConfig?: boolean;
}

/**
 * The agent runs as root from whatever directory it is started in: a `.env` or `bunfig.toml` lying
 * there must not change what it does, so the binary never loads them.
 */
export async function buildBinary(target: TargetName, outfile: string, options: BuildOptions = {}): Promise<void> {
  const autoload = options.autoloadWorkingDirConfig ?? false;
  const result = await Bun.build({
    entrypoints: [ENTRY],
    minify: true,
    sourcemap: "none",
    // Precompiled bytecode: the agent runs at every boot, and parsing its JS was most of its start-up.
    bytecode: true,
    format: "esm",
    compile: {
      target: TARGETS[target].bun,
      outfile,
      autoloadDotenv: autoload,
      autoloadBunfig: autoload,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
  });
  if (!result.success) {
    throw new Error(`build ${target} failed:\n${result.logs.map(String).join("\n")}`);
  }
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { target: { type: "string", multiple: true }, outdir: { type: "string", default: "dist" } },
    strict: true,
  });
  const names = (values.target ?? Object.keys(TARGETS)) as string[];
  const unknown = names.filter((n) => !Object.hasOwn(TARGETS, n));
  if (unknown.length) {
    console.error(`unknown target ${unknown.join(", ")}; targets: ${Object.keys(TARGETS).join(", ")}`);
    process.exit(2);
  }
  const outdir = resolve(values.outdir as string);
  mkdirSync(outdir, { recursive: true });
  const sums: string[] = [];
  for (const name of names as TargetName[]) {
    const started = performance.now();
    const file = TARGETS[name].file;
    const path = join(outdir, file);
    await buildBinary(name, path);
    const size = statSync(path).size;
    sums.push(`${sha256(path)}  ${file}`);
    console.log(`${file.padEnd(24)} ${(size / 2 ** 20).toFixed(1).padStart(6)} MiB  ${size} bytes  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  writeFileSync(join(outdir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.log(`${join(values.outdir as string, "SHA256SUMS")} written`);
}

if (import.meta.main) await main();
