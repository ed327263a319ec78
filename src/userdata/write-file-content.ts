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

/** Checks every write_files entry decodes: validation must fail before the first file is written. */
export async function checkWriteFiles(files: WriteFile[] | undefined, source: string): Promise<void> {
  const budget: Budget = { remaining: USERDATA_LIMITS.decompressed };
  const problems = [];
  for (const [i, file] of (files ?? []).entries()) {
    try {
      await writeFileContent(file, source, `write_files[${i}]`, budget);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length) throw new InputError(source, problems);
}
