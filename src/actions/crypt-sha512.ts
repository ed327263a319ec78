/**
 * SHA-512 crypt ("$6$"), as Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" specifies it:
 * the hash glibc, libxcrypt, shadow's chpasswd and `openssl passwd -6` all read. Written here so a
 * clear-text password becomes a hash inside the agent and only the hash ever reaches chpasswd.
 *
 * Bun.CryptoHasher, not node:crypto: loading node:crypto would cost every agent start ~10 ms.
 */

export const SALT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const ROUNDS_DEFAULT = 5000;
export const ROUNDS_MIN = 1000;
export const ROUNDS_MAX = 999_999_999;
const SALT_MAX = 16;

/** The byte triples of the final digest, in the order the spec encodes them (its transposition table). */
const ORDER: [number, number, number][] = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

const encoder = new TextEncoder();

function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = new Bun.CryptoHasher("sha512");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().buffer);
}

/** `length` bytes of `block` repeated: the spec's P and S sequences. */
function repeatTo(block: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += block.length) out.set(block.subarray(0, Math.min(block.length, length - i)), i);
  return out;
}

/** Little-endian groups of 6 bits, least significant first, as crypt's own base64 writes them. */
function b64From24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = "";
  for (let i = 0; i < n; i++) {
    out += SALT_ALPHABET[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

export interface SaltSpec {
  salt: string;
  rounds: number;
  /** Whether `rounds=N$` was given: then it is written back into the hash, even for 5000. */
  roundsGiven: boolean;
}

/**
 * Reads a setting as crypt(3) takes it: `$6$[rounds=N$]salt[$...]`, or a bare salt. The salt ends at
 * the first `$` and is cut to 16 characters; rounds outside 1000..999999999 are clamped, as the spec
 * (and glibc, and OpenSSL) do.
 */
export function parseSetting(setting: string): SaltSpec {
  let rest = setting.startsWith("$6$") ? setting.slice(3) : setting;
  let rounds = ROUNDS_DEFAULT;
  let roundsGiven = false;
  const m = /^rounds=(\d+)\$/.exec(rest);
  if (m) {
    const n = Number(m[1]);
    rounds = Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, n));
    roundsGiven = true;
    rest = rest.slice(m[0].length);
  }
  const end = rest.indexOf("$");
  const salt = (end < 0 ? rest : rest.slice(0, end)).slice(0, SALT_MAX);
  return { salt, rounds, roundsGiven };
}

/** The crypt hash of `password` (UTF-8) with a setting such as "$6$saltsalt" or "$6$rounds=10000$salt". */
export function sha512Crypt(password: string | Uint8Array, setting: string): string {
  const p = typeof password === "string" ? encoder.encode(password) : password;
  // C's crypt stops at the first NUL; taking the bytes after it would give a hash no other tool agrees with.
  if (p.includes(0)) throw new Error("a password for crypt(3) cannot contain a NUL byte");
  const { salt, rounds, roundsGiven } = parseSetting(setting);
  const s = encoder.encode(salt);

  const b = sha512(p, s, p);
  const aParts: Uint8Array[] = [p, s];
  let n = p.length;
  for (; n > 64; n -= 64) aParts.push(b);
  aParts.push(b.subarray(0, n));
  for (let bits = p.length; bits > 0; bits >>= 1) aParts.push(bits & 1 ? b : p);
  let a = sha512(...aParts);

  const dp = sha512(...new Array<Uint8Array>(p.length).fill(p));
  const pSeq = repeatTo(dp, p.length);
  const ds = sha512(...new Array<Uint8Array>(16 + (a[0] as number)).fill(s));
  const sSeq = repeatTo(ds, s.length);

  for (let i = 0; i < rounds; i++) {
    const h = new Bun.CryptoHasher("sha512");
    h.update(i & 1 ? pSeq : a);
    if (i % 3 !== 0) h.update(sSeq);
    if (i % 7 !== 0) h.update(pSeq);
    h.update(i & 1 ? a : pSeq);
    a = new Uint8Array(h.digest().buffer);
  }

  let out = "";
  for (const [x, y, z] of ORDER) out += b64From24(a[x] as number, a[y] as number, a[z] as number, 4);
  out += b64From24(0, 0, a[63] as number, 2);
  return `$6$${roundsGiven ? `rounds=${rounds}$` : ""}${salt}$${out}`;
}

/** A 16-character salt from random bytes (64 divides 256, so every character is equally likely). */
export function saltFrom(random: (bytes: number) => Uint8Array): string {
  return Array.from(random(SALT_MAX), (byte) => SALT_ALPHABET[byte & 0x3f]).join("");
}
