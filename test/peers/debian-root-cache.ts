/**
 * A real Debian bookworm root for the identity lane, made by debootstrap once and kept as a tarball
 * under /var/cache/tether-test, so that later runs take seconds instead of minutes. Each test run
 * extracts its own copy: the cache is never changed by a test.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runArgv } from "../helpers/run-agent.ts";

const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
export const CACHE_DIR = "/var/cache/tether-test";
const PACKAGES = ["openssh-server", "sudo", "passwd"];
const SUITE = "bookworm";
const MIRROR = "http://deb.debian.org/debian";
/** The name says what is inside, so a change to the package list makes a new cache, never a stale one. */
export const TARBALL = join(CACHE_DIR, `debian-${SUITE}-minbase-${PACKAGES.join("+")}.tar`);

async function must(argv: string[], what: string, env: Record<string, string> = {}): Promise<void> {
  const run = await runArgv(argv, { env: { PATH, ...env } });
  if (run.code !== 0) throw new Error(`${what} failed (exit ${run.code}): ${(run.stderr || run.stdout).slice(-2000)}`);
}

async function buildTarball(): Promise<void> {
  if (!Bun.which("debootstrap", { PATH })) await must(["apt-get", "install", "-y", "--no-install-recommends", "debootstrap"], "apt-get install debootstrap", { DEBIAN_FRONTEND: "noninteractive" });
  mkdirSync(CACHE_DIR, { recursive: true });
  const build = mkdtempSync(join(CACHE_DIR, "build-"));
  try {
    await must(["debootstrap", "--variant=minbase", `--include=${PACKAGES.join(",")}`, SUITE, build, MIRROR], "debootstrap");
    // Written beside the cache under a temp name and renamed: a killed build never leaves a half tarball.
    const partial = `${TARBALL}.partial`;
    await must(["tar", "--numeric-owner", "-C", build, "-cf", partial, "."], "tar (making the cache)");
    renameSync(partial, TARBALL);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

/** A fresh Debian root in a temp dir (the caller removes it), and whether the cache had to be built. */
export async function debianRoot(): Promise<{ root: string; built: boolean; ms: number }> {
  const t0 = performance.now();
  const built = !existsSync(TARBALL);
  if (built) await buildTarball();
  const root = mkdtempSync(join(tmpdir(), "tether-debian-"));
  await must(["tar", "--numeric-owner", "-C", root, "-xf", TARBALL], "tar (extracting the cache)");
  return { root, built, ms: Math.round(performance.now() - t0) };
}

if (import.meta.main) {
  const { root, built, ms } = await debianRoot();
  console.log(`${built ? "built and extracted" : "extracted"} ${TARBALL} to ${root} in ${ms} ms`);
  rmSync(root, { recursive: true, force: true });
}
