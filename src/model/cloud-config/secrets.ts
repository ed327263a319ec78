import * as v from "valibot";
import { Secret } from "../secret.ts";
import { Str } from "./scalars.ts";

/** A password or a hash: checked as a string, then sealed so that no output can ever show it. */
export const SecretStr = v.pipe(
  Str,
  v.transform((value) => new Secret(value)),
);

/** crypt(3) hashes cloud-init recognises ($1$, $2a$, $2y$, $5$, $6$), plus yescrypt ($y$) of newer distros. */
export function looksHashed(value: string): boolean {
  return /^\$(1|2a|2y|5|6|y)\$.+\$.+/.test(value);
}
