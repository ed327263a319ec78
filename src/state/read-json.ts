import * as v from "valibot";
import type { Host } from "../host/types.ts";
import { issueText } from "../plan/journal.ts";

/**
 * A state file read back and checked. Absent is null; unreadable or malformed is null plus a
 * warning: a damaged record must cost at most a re-run of some actions, never a failed boot.
 */
export async function readJson<S extends v.GenericSchema>(host: Host, path: string, schema: S): Promise<{ value: v.InferOutput<S> | null; warning: string | null }> {
  let text: string;
  try {
    if (!(await host.fs.exists(path))) return { value: null, warning: null };
    text = await host.fs.readText(path);
  } catch (error) {
    return { value: null, warning: `${path}: unreadable (${(error as Error).message}); treated as absent` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { value: null, warning: `${path}: not JSON (${(error as Error).message}); treated as absent` };
  }
  const result = v.safeParse(schema, raw);
  if (!result.success) return { value: null, warning: `${path}: ${issueText(result.issues)}; treated as absent` };
  return { value: result.output, warning: null };
}
