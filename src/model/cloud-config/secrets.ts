import * as v from "valibot";
import { Secret } from "../secret.ts";
import { sealedExpected } from "./describe.ts";

/**
 * A password or a hash: checked as a string, then sealed so that no output can ever show it. A
 * value of the wrong type is named by its kind: `password: 12345678` is a password too.
 */
export const SecretStr = v.pipe(
  v.string(sealedExpected("a string")),
  v.transform((value) => new Secret(value)),
);

/** crypt(3) hashes cloud-init recognises ($1$, $2a$, $2y$, $5$, $6$), plus yescrypt ($y$) of newer distros. */
export function looksHashed(value: string): boolean {
  return /^\$(1|2a|2y|5|6|y)\$.+\$.+/.test(value);
}
