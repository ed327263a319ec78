import { InputError } from "../../../errors.ts";
import { Secret } from "../../../model/secret.ts";

/**
 * The Nova agent's `password` value: `openssl enc -aes-128-cbc -a -A -nosalt -pass pass:S` of
 * password + "\n", where S is the keyinit shared secret as a decimal string. The key comes from
 * OpenSSL's EVP_BytesToKey, one iteration, no salt, with MD5 (what every guest implements) or
 * SHA-256 (the default of openssl >= 1.1.0 when the host omits `-md md5`).
 *
 * There is no MAC: a wrong key or a damaged message is noticed only because its padding, its
 * UTF-8 or its shape comes out wrong. Every check below is strict for that reason.
 */

const SOURCE = "password value";
/** A password is a line of text; 4 KiB of ciphertext is far beyond any real one. */
export const MAX_CIPHERTEXT_BYTES = 4096;
const MAX_BASE64_CHARS = Math.ceil(MAX_CIPHERTEXT_BYTES / 3) * 4;
const BLOCK = 16;

export type KeyDerivation = "md5" | "sha256";

const problem = (message: string): never => {
  throw new InputError(SOURCE, [{ path: "", message }]);
};

type Bytes = Uint8Array<ArrayBuffer>;

const digest = (algorithm: KeyDerivation, ...parts: Uint8Array[]): Bytes => {
  const hasher = new Bun.CryptoHasher(algorithm);
  for (const part of parts) hasher.update(part);
  return new Uint8Array(hasher.digest());
};

/** EVP_BytesToKey(AES-128-CBC, md, salt = none, pass = S, count = 1): 16 key bytes, then 16 IV bytes. */
export function deriveKeyIv(secret: string, algorithm: KeyDerivation): { key: Bytes; iv: Bytes } {
  const pass = new TextEncoder().encode(secret);
  if (algorithm === "sha256") {
    const d = digest("sha256", pass);
    return { key: d.slice(0, 16), iv: d.slice(16, 32) };
  }
  const key = digest("md5", pass);
  return { key, iv: digest("md5", key, pass) };
}

/**
 * AES-128-CBC decryption with PKCS#7 padding removed; null when the padding is not exactly n bytes
 * of value n (1..16). WebCrypto makes that check itself, on every byte of the padding (Bun 1.4.5:
 * seen by a sweep of every bad pattern, which the tests keep), so it is relied on here.
 */
export async function decryptAesCbc(key: Bytes, iv: Bytes, ciphertext: Bytes): Promise<Bytes | null> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, "AES-CBC", false, ["decrypt"]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, cryptoKey, ciphertext));
  } catch {
    return null;
  }
}

/** Standard base64, canonical only: what `openssl enc -a -A` writes, one line, no whitespace. */
function decodeCiphertext(text: string): Bytes {
  if (typeof text !== "string") problem(`expected a base64 string, got ${typeof text}`);
  if (text.length === 0) problem("expected base64 ciphertext, got an empty string");
  if (text.length > MAX_BASE64_CHARS) problem(`the ciphertext is over the limit of ${MAX_CIPHERTEXT_BYTES} bytes`);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    problem("expected base64 (A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4 characters, no whitespace)");
  }
  const bytes = new Uint8Array(Buffer.from(text, "base64"));
  // Leftover bits that are not zero mean the text was not written by a base64 encoder.
  if (Buffer.from(bytes).toString("base64") !== text) problem("not canonical base64 (stray bits in the last character)");
  if (bytes.length === 0 || bytes.length % BLOCK !== 0) problem(`expected whole AES blocks (a multiple of ${BLOCK} bytes), got ${bytes.length} bytes`);
  if (bytes.length > MAX_CIPHERTEXT_BYTES) problem(`the ciphertext is over the limit of ${MAX_CIPHERTEXT_BYTES} bytes`);
  return bytes;
}

/** Characters that would end or split the line a password travels in (chpasswd, the shadow file). */
const LINE_BREAKS = /[\0\n\r\v\f\u0085\u2028\u2029]/;

type Attempt =
  | { ok: true; password: string; newline: boolean }
  | { ok: false; depth: number; message: string };

async function attempt(ciphertext: Bytes, secret: string, algorithm: KeyDerivation): Promise<Attempt> {
  const { key, iv } = deriveKeyIv(secret, algorithm);
  const plain = await decryptAesCbc(key, iv, ciphertext);
  key.fill(0);
  if (!plain) return { ok: false, depth: 0, message: "does not decrypt with the keyinit key (MD5 or SHA-256 key derivation): a wrong or stale key, or a damaged message" };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(plain);
  } catch {
    return { ok: false, depth: 1, message: "the decrypted password is not UTF-8 (a wrong key or a damaged message)" };
  } finally {
    plain.fill(0);
  }
  const newline = text.endsWith("\n");
  const password = newline ? text.slice(0, -1) : text;
  if (password.length === 0) return { ok: false, depth: 2, message: "the decrypted password is empty: refused" };
  if (password.includes("\0")) return { ok: false, depth: 2, message: "the decrypted password contains a NUL character: refused" };
  if (LINE_BREAKS.test(password)) return { ok: false, depth: 2, message: "the decrypted password contains a line break: refused" };
  return { ok: true, password, newline };
}

/**
 * The password the host sent, as a Secret. MD5 key derivation first, SHA-256 second; a result
 * ending in the "\n" the host always appends is taken over one without, so that the ~1/256 chance
 * of a wrong key passing the padding check cannot pick a garbled password over the real one.
 * Errors never contain the password, the plaintext or the secret.
 */
export async function decryptPassword(ciphertextBase64: string, secret: string): Promise<Secret> {
  if (typeof secret !== "string" || secret.length === 0) throw new TypeError("decryptPassword: the shared secret must be a non-empty string");
  const ciphertext = decodeCiphertext(ciphertextBase64);
  const attempts: Attempt[] = [];
  for (const algorithm of ["md5", "sha256"] as const) {
    const result = await attempt(ciphertext, secret, algorithm);
    if (result.ok && result.newline) return new Secret(result.password);
    attempts.push(result);
  }
  for (const result of attempts) if (result.ok) return new Secret(result.password);
  // The attempt that got furthest says the most: "contains a NUL" is more use than "bad padding".
  const failures = attempts.filter((a): a is Extract<Attempt, { ok: false }> => !a.ok).sort((a, b) => b.depth - a.depth);
  return problem(failures[0]?.message ?? "does not decrypt");
}
