import { InputError } from "../errors.ts";
import type { WriteFile } from "../model/cloud-config/index.ts";
import { decodeBase64 } from "./base64.ts";
import { gunzipLimited, type Budget } from "./gunzip.ts";
import { USERDATA_LIMITS } from "./limits.ts";

/**
 * The bytes a write_files entry asks for, its encoding undone. Asynchronous and bounded because gzip
 * is: `budget` is shared by all the files of one user-data, so many small bombs add up.
 */
export async function writeFileContent(file: WriteFile, source: string, path: string, budget: Budget = { remaining: USERDATA_LIMITS.decompressed }): Promise<Uint8Array> {
  switch (file.encoding) {
    case "text":
      return new TextEncoder().encode(file.content);
    case "b64":
      return decodeBase64(file.content, source, `${path}.content`);
    case "gzip":
      // cloud-init reads a gz file's content as raw bytes; from YAML, that can only be latin1 text.
      return gunzipLimited(new Uint8Array(Buffer.from(file.content, "latin1")), budget, source, `${path}.content`);
    case "gz+b64":
      return gunzipLimited(decodeBase64(file.content, source, `${path}.content`), budget, source, `${path}.content`);
  }
}

/**
 * Decodes every write_files entry, in order, under one budget: validation fails before the first
 * file is written, and the planner writes these bytes rather than decoding a second time.
 */
export async function decodeWriteFiles(files: WriteFile[] | undefined, source: string): Promise<Uint8Array[]> {
  const budget: Budget = { remaining: USERDATA_LIMITS.decompressed };
  const problems = [];
  const contents: Uint8Array[] = [];
  for (const [i, file] of (files ?? []).entries()) {
    try {
      contents.push(await writeFileContent(file, source, `write_files[${i}]`, budget));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length) throw new InputError(source, problems);
  return contents;
}
