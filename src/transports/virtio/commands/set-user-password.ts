import * as v from "valibot";
import { Secret } from "../../../model/secret.ts";
import { QgaError, type QgaCommand } from "../qga-types.ts";
import { decodeBase64Arg } from "./file.ts";

/**
 * guest-set-user-password (qga/commands-posix.c): `password` is base64 of the clear text, or with
 * crypted=true of a crypt(3) hash. Carried out by the passwords action, as at boot (a chpasswd entry
 * for the user), so the user must exist and a given hash is checked as boot checks it. Neither the
 * password nor its bytes are ever logged or echoed in an error.
 */

const Args = v.strictObject({ username: v.string(), password: v.string(), crypted: v.boolean() });

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The password as text: UTF-8 (every shadow tool and PAM expect it), one line, no NUL. */
export function passwordText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new QgaError("GenericError", "the password is not valid UTF-8");
  }
  // qemu-ga refuses a newline ("forbidden characters in raw password"); a NUL would cut it short.
  if (/[\n\0]/.test(text)) throw new QgaError("GenericError", "forbidden characters in raw password (a newline or NUL)");
  // qemu-ga would set it; a password that is empty lets anyone in, and a hash that is empty means none.
  if (text === "") throw new QgaError("GenericError", "the password is empty: refused");
  return text;
}

export const guestSetUserPassword: QgaCommand = {
  name: "guest-set-user-password",
  kind: "write",
  args: Args,
  async run(ctx, args: v.InferOutput<typeof Args>) {
    if (/[\n:]/.test(args.username)) throw new QgaError("GenericError", "forbidden characters in username");
    const password = new Secret(passwordText(decodeBase64Arg(args.password)));
    await ctx.execute({ name: "set-password", user: args.username, password, crypted: args.crypted });
    ctx.log.info(`guest-set-user-password: password of ${args.username} set${args.crypted ? " (a crypt hash)" : ""}`);
    return {};
  },
};
