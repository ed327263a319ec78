import { InputError } from "../../../errors.ts";

/**
 * The Diffie-Hellman group of the Nova XenAPI agent's `keyinit`: fixed by the host side
 * (nova/virt/xenapi/agent.py SimpleDH), so it cannot be made stronger here. The prime is only
 * 107 bits and not a safe prime (p-1 = 2·3·107·6361·69431·20394401·28059810762433); 5 is a
 * primitive root. What this file can do is refuse the host values that make the secret trivial.
 */
export const DH_PRIME = 162259276829213363391578010288127n;
export const DH_GENERATOR = 5n;

const SOURCE = "keyinit value";
/** p has 33 digits; a little room for leading zeros, none for a number big enough to cost time. */
const MAX_DIGITS = 64;
/** Bytes drawn for a private key: far more than p's 107 bits, so reducing them mod p-3 is unbiased in practice. */
const PRIVATE_BYTES = 32;

export type RandomBytes = (n: number) => Uint8Array;

const systemRandom: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

/** base^exp mod m, square and multiply. Not constant-time: bigint arithmetic never is. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = ((base % m) + m) % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

function bigintOf(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}

/** Elements of order 1, 2, 3 or 6: with one of these the shared secret is one of at most six values. */
const inTinySubgroup = (value: bigint) => modPow(value, 6n, DH_PRIME) === 1n;

/** The guest's key pair: private a in [2, p-2], public A = g^a mod p as the decimal string the host expects. */
export function createKeyPair(random: RandomBytes = systemRandom): { privateKey: bigint; publicKey: string } {
  // A draw whose public key is trivial (a = (p-1)/2 gives p-1) is drawn again; the odds are 1 in 10^32.
  for (let tries = 0; tries < 8; tries++) {
    const bytes = random(PRIVATE_BYTES);
    if (bytes.length !== PRIVATE_BYTES) throw new Error(`random source gave ${bytes.length} bytes, expected ${PRIVATE_BYTES}`);
    const privateKey = 2n + (bigintOf(bytes) % (DH_PRIME - 3n));
    const publicKey = modPow(DH_GENERATOR, privateKey, DH_PRIME);
    if (!inTinySubgroup(publicKey)) return { privateKey, publicKey: publicKey.toString() };
  }
  throw new Error("random source keeps giving keys with a trivial public value");
}

function parseHostPublic(value: string): bigint {
  const problem = (message: string): never => {
    throw new InputError(SOURCE, [{ path: "", message }]);
  };
  if (typeof value !== "string") problem(`expected the host's public key as a decimal string, got ${typeof value}`);
  if (value.length === 0) problem("expected the host's public key as a decimal string, got an empty string");
  if (value.length > MAX_DIGITS) problem(`expected at most ${MAX_DIGITS} digits, got ${value.length} characters`);
  if (!/^[0-9]+$/.test(value)) problem("expected decimal digits only (no sign, space or other characters)");
  const b = BigInt(value);
  if (b >= DH_PRIME) problem("the host's public key is not below the prime");
  // 0, 1 and p-1, and the elements of order 3 and 6: the secret would be guessable whatever our key.
  if (b === 0n || inTinySubgroup(b)) problem("the host's public key is a trivial value (0, 1, p-1 or of order 3 or 6): refused");
  return b;
}

/** S = B^a mod p, as the decimal string both sides feed to the key derivation. */
export function sharedSecret(privateKey: bigint, hostPublic: string): string {
  if (typeof privateKey !== "bigint" || privateKey < 2n || privateKey > DH_PRIME - 2n) throw new RangeError("private key out of range [2, p-2]");
  return modPow(parseHostPublic(hostPublic), privateKey, DH_PRIME).toString();
}
