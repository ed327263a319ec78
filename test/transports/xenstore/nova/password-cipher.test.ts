import { describe, expect, test } from "bun:test";
import { InputError } from "../../../../src/errors.ts";
import { Secret } from "../../../../src/model/secret.ts";
import { createKeyPair, DH_PRIME, sharedSecret } from "../../../../src/transports/xenstore/nova/dh.ts";
import { decryptAesCbc, decryptPassword, deriveKeyIv, MAX_CIPHERTEXT_BYTES } from "../../../../src/transports/xenstore/nova/password-cipher.ts";
import { failure } from "../../../helpers/failure.ts";

const S = "27234591073885988013566387861589";
const VECTOR_MD5 = "MJ1ZKJP15uPXQXDJTQOGWw==";
const VECTOR_SHA256 = "MRHuxFHtXMr82Ryf0h6OXQ==";
const enc = new TextEncoder();

/** The host's side, as nova runs it: `openssl enc -aes-128-cbc -a -A -nosalt -pass pass:S`, with or without -md md5. */
function openssl(plaintext: string | Uint8Array, secret: string, md: "md5" | "default"): string {
  const argv = ["openssl", "enc", "-aes-128-cbc", "-a", "-A", "-nosalt", "-pass", `pass:${secret}`, ...(md === "md5" ? ["-md", "md5"] : [])];
  const proc = Bun.spawnSync(argv, { stdin: typeof plaintext === "string" ? enc.encode(plaintext) : plaintext });
  if (proc.exitCode !== 0) throw new Error(`openssl failed: ${proc.stderr.toString()}`);
  return proc.stdout.toString();
}

/** A random password of printable ASCII and some non-ASCII letters, no line breaks. */
function randomPassword(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~äöüßé€✓😀";
  const chars = [...alphabet];
  const random = crypto.getRandomValues(new Uint32Array(length));
  return Array.from(random, (r) => chars[r % chars.length]).join("");
}

/** Raw AES-CBC of whole blocks (no padding added): lets a test build any plaintext, bad padding included. */
async function encryptRaw(key: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, blocks: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey("raw", key, "AES-CBC", false, ["encrypt"]);
  // WebCrypto pads: the ciphertext of the padded input starts with the ciphertext of the input.
  const out = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, k, blocks));
  return out.slice(0, blocks.length);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

async function refused(ciphertext: string, secret: string): Promise<InputError> {
  const error = await failure(decryptPassword(ciphertext, secret));
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).source).toBe("password value");
  expect(error.message).not.toContain(secret);
  return error as InputError;
}

describe("the Nova password cipher", () => {
  test("the PROTOCOLS.md vector: MD5 and SHA-256 key derivation both give hunter2, as a Secret", async () => {
    for (const ciphertext of [VECTOR_MD5, VECTOR_SHA256]) {
      const password = await decryptPassword(ciphertext, S);
      expect(password).toBeInstanceOf(Secret);
      expect(password.reveal()).toBe("hunter2");
      expect(String(password)).toBe("[redacted]");
      expect(JSON.stringify({ password })).toBe('{"password":"[redacted]"}');
    }
  });

  test("the vector is what the real openssl writes (so the peer tests below test the same thing)", () => {
    expect(openssl("hunter2\n", S, "md5")).toBe(VECTOR_MD5);
    expect(openssl("hunter2\n", S, "default")).toBe(VECTOR_SHA256);
  });

  test("EVP_BytesToKey: MD5 key = MD5(S), iv = MD5(key ‖ S); SHA-256 key and iv are the two halves of SHA256(S)", () => {
    const md5 = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");
    const { key, iv } = deriveKeyIv(S, "md5");
    expect(Buffer.from(key).toString("hex")).toBe(md5(enc.encode(S)));
    expect(Buffer.from(iv).toString("hex")).toBe(md5(new Uint8Array([...key, ...enc.encode(S)])));
    const sha = new Bun.CryptoHasher("sha256").update(S).digest("hex");
    const d = deriveKeyIv(S, "sha256");
    expect(Buffer.from(d.key).toString("hex") + Buffer.from(d.iv).toString("hex")).toBe(sha);
    // And openssl agrees on both (-P prints the key and iv it derives).
    for (const [md, ours] of [["md5", deriveKeyIv(S, "md5")], ["sha256", d]] as const) {
      const out = Bun.spawnSync(["openssl", "enc", "-aes-128-cbc", "-nosalt", "-P", "-md", md, "-pass", `pass:${S}`]).stdout.toString();
      expect(out).toContain(`key=${Buffer.from(ours.key).toString("hex").toUpperCase()}`);
      expect(out).toContain(`iv =${Buffer.from(ours.iv).toString("hex").toUpperCase()}`);
    }
  });

  test("real peer: openssl enc, with -md md5 and with its default digest, on random passwords and secrets", async () => {
    const lengths = [1, 7, 14, 15, 16, 17, 31, 32, 33, 64, 200];
    for (const length of lengths) {
      const secret = sharedSecret(createKeyPair().privateKey, createKeyPair().publicKey);
      const password = randomPassword(length);
      for (const md of ["md5", "default"] as const) {
        const ciphertext = openssl(`${password}\n`, secret, md);
        expect((await decryptPassword(ciphertext, secret)).reveal()).toBe(password);
      }
    }
  });

  test("a password without the trailing newline is taken as it is; only one newline is ever stripped", async () => {
    expect((await decryptPassword(openssl("hunter2", S, "md5"), S)).reveal()).toBe("hunter2");
    expect((await decryptPassword(openssl("hunter2", S, "default"), S)).reveal()).toBe("hunter2");
    expect((await refused(openssl("hunter2\n\n", S, "md5"), S)).message).toBe("password value: the decrypted password contains a line break: refused");
  });

  test("when both derivations give a plausible password, the one ending in the host's newline wins", async () => {
    // Found by a search over secrets: openssl's SHA-256 encryption of "hunter2\n" under this S also
    // decrypts under the MD5 key with valid padding, to 12 characters of UTF-8 without a newline.
    const secret = "10000000000000000000010499018119";
    const ciphertext = "qU0bpfMhNgHoftjHIg7roA==";
    expect(openssl("hunter2\n", secret, "default")).toBe(ciphertext);
    const { key, iv } = deriveKeyIv(secret, "md5");
    const garbled = new TextDecoder("utf-8", { fatal: true }).decode((await decryptAesCbc(key, iv, fromB64(ciphertext))) ?? new Uint8Array(0));
    expect(garbled).toHaveLength(12);
    expect(garbled.endsWith("\n")).toBe(false);
    expect((await decryptPassword(ciphertext, secret)).reveal()).toBe("hunter2");
  });

  test("full exchange: python is the host (its own DH), openssl encrypts, the guest decrypts", async () => {
    const guest = createKeyPair();
    const script = `import secrets\np=${DH_PRIME}\nb=secrets.randbelow(p-3)+2\nprint(pow(5,b,p), pow(${guest.publicKey},b,p))`;
    const proc = Bun.spawnSync(["python3", "-c", script]);
    expect(proc.exitCode).toBe(0);
    const [hostPublic, hostSecret] = proc.stdout.toString().trim().split(" ") as [string, string];
    const secret = sharedSecret(guest.privateKey, hostPublic);
    expect(secret).toBe(hostSecret);
    const password = randomPassword(24);
    expect((await decryptPassword(openssl(`${password}\n`, hostSecret, "md5"), secret)).reveal()).toBe(password);
    expect((await decryptPassword(openssl(`${password}\n`, hostSecret, "default"), secret)).reveal()).toBe(password);
  });

  test("the wrong key is refused, and the error holds neither the password nor either secret", async () => {
    const other = "27234591073885988013566387861588";
    for (const md of ["md5", "default"] as const) {
      const error = await refused(openssl("correct-horse-battery\n", S, md), other);
      expect(error.message).not.toContain("correct-horse");
      expect(error.message).not.toContain(S);
    }
    expect((await refused(VECTOR_MD5, other)).message).toBe(
      "password value: does not decrypt with the keyinit key (MD5 or SHA-256 key derivation): a wrong or stale key, or a damaged message",
    );
  });

  test("a tampered ciphertext is refused: every single-bit flip of the vector", async () => {
    for (const vector of [VECTOR_MD5, VECTOR_SHA256]) {
      const bytes = fromB64(vector);
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const tampered = bytes.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        await refused(b64(tampered), S);
      }
    }
  });

  test("a tampered message of three blocks is refused: every single-bit flip", async () => {
    // No MAC: a flip garbles its own block (caught as bad UTF-8) and flips the same bit in the next
    // block's plaintext (caught by the padding, when that block is the last).
    const bytes = fromB64(openssl("a-longer-password-of-three-blocks-1234\n", S, "md5"));
    expect(bytes.length).toBe(48);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const tampered = bytes.slice();
      tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
      await refused(b64(tampered), S);
    }
  });

  test("bad PKCS#7 padding is refused, pattern by pattern, for both key derivations", async () => {
    for (const algorithm of ["md5", "sha256"] as const) {
      const { key, iv } = deriveKeyIv(S, algorithm);
      let good = 0;
      for (let n = 0; n <= 17; n++) {
        const variants: (number | null)[] = [null, ...Array.from({ length: Math.max(0, Math.min(n, 16) - 1) }, (_, i) => i)];
        for (const spoil of variants) {
          const block = new Uint8Array(32).fill(0x61);
          const pad = Math.min(n, 16);
          for (let i = 32 - pad; i < 32; i++) block[i] = n;
          if (n === 0 || n === 17) block[31] = n;
          if (spoil !== null) block[30 - spoil] = n ^ 0x40; // one padding byte (not the last) differs
          const valid = n >= 1 && n <= 16 && spoil === null;
          const plain = await decryptAesCbc(key, iv, await encryptRaw(key, iv, block));
          if (valid) {
            expect(plain).toEqual(block.slice(0, 32 - n));
            good++;
          } else expect(plain).toBeNull();
        }
      }
      expect(good).toBe(16);
    }
    // Through decryptPassword: "hunter2\n" with 8 bytes of padding, one of them 0x07.
    const { key, iv } = deriveKeyIv(S, "md5");
    const block = new Uint8Array([...enc.encode("hunter2\n"), 8, 8, 8, 7, 8, 8, 8, 8]);
    await refused(b64(await encryptRaw(key, iv, block)), S);
    block[11] = 8;
    expect((await decryptPassword(b64(await encryptRaw(key, iv, block)), S)).reveal()).toBe("hunter2");
  });

  test("bad base64 is refused before any decryption", async () => {
    const cases: [string, string][] = [
      ["", "expected base64 ciphertext, got an empty string"],
      ["MJ1ZKJP15uPXQXDJTQOGWw=", "expected base64"],
      ["MJ1ZKJP15uPXQXDJTQOGWw", "expected base64"],
      ["MJ1ZKJP15uPXQXDJTQOGWw===", "expected base64"],
      [`${VECTOR_MD5}\n`, "expected base64"],
      [` ${VECTOR_MD5}`, "expected base64"],
      ["MJ1ZKJP15uPX\nQXDJTQOGWw==", "expected base64"],
      ["MJ1ZKJP15uPXQXDJTQOG-_==", "expected base64"],
      ["MJ1ZKJP15uPXQXDJTQOG=Ww=", "expected base64"],
      ["MJ1ZKJP15uPXQXDJTQOGWx==", "not canonical base64"],
      ["aGVsbG8=", "expected whole AES blocks (a multiple of 16 bytes), got 5 bytes"],
      [b64(new Uint8Array(17)), "expected whole AES blocks (a multiple of 16 bytes), got 17 bytes"],
    ];
    for (const [text, message] of cases) expect((await refused(text, S)).message).toStartWith(`password value: ${message}`);
    expect((await refused(42 as unknown as string, S)).message).toBe("password value: expected a base64 string, got number");
  });

  test("a ciphertext over 4 KiB is refused; one at the limit is decrypted", async () => {
    expect(MAX_CIPHERTEXT_BYTES).toBe(4096);
    // 4094 characters and the newline: 4095 bytes, one byte of padding, 4096 bytes of ciphertext.
    const ascii = "x".repeat(4094);
    const ciphertext = openssl(`${ascii}\n`, S, "md5");
    expect(fromB64(ciphertext).length).toBe(4096);
    expect((await decryptPassword(ciphertext, S)).reveal()).toBe(ascii);
    const over = openssl(`${ascii}xx\n`, S, "md5");
    expect(fromB64(over).length).toBe(4112);
    expect((await refused(over, S)).message).toBe("password value: the ciphertext is over the limit of 4096 bytes");
    expect((await refused("A".repeat(1_000_000), S)).message).toBe("password value: the ciphertext is over the limit of 4096 bytes");
  });

  test("a plaintext that is not UTF-8, empty, or holds a NUL or a line break is refused", async () => {
    const cases: [string | Uint8Array, string][] = [
      [new Uint8Array([0x68, 0xff, 0xfe, 0x0a]), "the decrypted password is not UTF-8 (a wrong key or a damaged message)"],
      [new Uint8Array([0xc3, 0x28, 0x0a]), "the decrypted password is not UTF-8 (a wrong key or a damaged message)"],
      ["\n", "the decrypted password is empty: refused"],
      ["", "the decrypted password is empty: refused"],
      ["hun\0ter2\n", "the decrypted password contains a NUL character: refused"],
      ["hun\nter2\n", "the decrypted password contains a line break: refused"],
      ["hunter2\r\n", "the decrypted password contains a line break: refused"],
      ["hun\u2028ter2\n", "the decrypted password contains a line break: refused"],
    ];
    for (const [plaintext, message] of cases) {
      for (const md of ["md5", "default"] as const) {
        const error = await refused(openssl(plaintext, S, md), S);
        expect(error.message).toBe(`password value: ${message}`);
        expect(error.message).not.toContain("hun");
      }
    }
  });

  test("a missing shared secret is a programming error", async () => {
    expect(await failure(decryptPassword(VECTOR_MD5, ""))).toBeInstanceOf(TypeError);
  });
});
