import * as v from "valibot";
import { describe } from "./describe.ts";

const MESSAGE = (input: unknown) => `expected octal string or number, got ${describe(input)}`;

/**
 * A file mode as cloud-init's write_files takes it: an octal string ("0644", "644", "0o644") or a
 * number, which is already the mode. YAML 1.1 reads an unquoted 0644 as the number 420, so that is
 * the mode 0o644, as it is for cloud-init.
 */
export const Permissions = v.pipe(
  v.union([v.string(), v.number()], (issue) => MESSAGE(issue.input)),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const mode = modeOf(dataset.value);
    if (mode === undefined) {
      addIssue({ message: MESSAGE(dataset.value) });
      return NEVER;
    }
    return mode;
  }),
);

function modeOf(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 && value <= 0o7777 ? value : undefined;
  const digits = value.trim().replace(/^0o/i, "");
  if (!/^[0-7]{1,5}$/.test(digits)) return undefined;
  const mode = Number.parseInt(digits, 8);
  return mode <= 0o7777 ? mode : undefined;
}

/**
 * An unquoted `644` is the decimal number 644 (mode 0o1204), which cloud-init applies as it is. That
 * is almost never what was meant, so it is accepted (as cloud-init does) and named in a warning.
 */
export function looksLikeUnquotedOctal(value: unknown): value is number {
  return typeof value === "number" && value > 0o777 && /^[0-7]{3,4}$/.test(String(value));
}
