import { InputError } from "../../errors.ts";
import type { Host } from "../../host/types.ts";
import { getBounded } from "../file-source.ts";
import { createFetcher, type Budget } from "../metadata-http/fetcher.ts";
import type { SeedFile, SeedFiles } from "./read-seed.ts";

/**
 * cloud-init's `seedfrom` (`s=` on the command line): an http(s) URL, a file:// URL or a path, each
 * naming a directory, so it ends in "/" and the file names are appended.
 */
export function seedFrom(host: Host, seedfrom: string, budget: Budget): SeedFiles {
  const base = seedfrom.endsWith("/") ? seedfrom : `${seedfrom}/`;
  if (/^https?:\/\//.test(base)) {
    const fetcher = createFetcher(host, base.slice(0, -1), budget);
    return {
      location: base,
      get: (name: SeedFile, maxBytes: number) => fetcher.get(`/${name}`, { maxBytes, expect: `the seed's ${name}` }),
    };
  }
  const dir = base.startsWith("file://") ? decodeURIComponent(base.slice("file://".length)) : base;
  if (!dir.startsWith("/")) throw new InputError("ds=nocloud", [{ path: "seedfrom", message: `expected http://, https://, file:// or an absolute path, got ${JSON.stringify(seedfrom)}` }]);
  // A path is read inside the host's root, like every other path the agent reads.
  return { location: base, get: (name, maxBytes) => getBounded(host.fs, `${dir}${name}`, maxBytes, `${base}${name}`) };
}
