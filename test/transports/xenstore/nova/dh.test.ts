import { describe, expect, test } from "bun:test";
import { InputError } from "../../../../src/errors.ts";
import { createKeyPair, DH_GENERATOR, DH_PRIME, modPow, sharedSecret } from "../../../../src/transports/xenstore/nova/dh.ts";
import { thrown } from "../../../helpers/failure.ts";

const P = DH_PRIME;

/** Runs python3 on `script` with `input` on stdin: an implementation of the host's arithmetic that is not ours. */
function python(script: string, input = ""): string {
  const proc = Bun.spawnSync(["python3", "-c", script], { stdin: new TextEncoder().encode(input) });
  if (proc.exitCode !== 0) throw new Error(`python3 failed: ${proc.stderr.toString()}`);
  return proc.stdout.toString();
}

const fill = (byte: number) => (n: number) => new Uint8Array(n).fill(byte);


describe("Nova keyinit Diffie-Hellman", () => {
  test("the group is Nova's: p = 162259276829213363391578010288127, g = 5", () => {
    expect(P).toBe(162259276829213363391578010288127n);
    expect(DH_GENERATOR).toBe(5n);
  });

  test("modPow agrees with python's pow on edge and random operands", () => {
    const cases: [bigint, bigint][] = [
      [5n, 0n],
      [5n, 1n],
      [0n, 7n],
      [P - 1n, 2n],
      [P - 1n, 3n],
      [P + 5n, 10n],
      [123456789n, P - 2n],
    ];
    for (let i = 0; i < 20; i++) {
      const [b, e] = [crypto.getRandomValues(new Uint8Array(20)), crypto.getRandomValues(new Uint8Array(14))];
      cases.push([BigInt(`0x${Buffer.from(b).toString("hex")}`), BigInt(`0x${Buffer.from(e).toString("hex")}`)]);
    }
    const lines = cases.map(([b, e]) => `${b} ${e}`).join("\n");
    const expected = python(`import sys\np=${P}\nfor l in sys.stdin:\n  b,e=map(int,l.split())\n  print(pow(b,e,p))`, lines).trim().split("\n");
    expect(cases.map(([b, e]) => modPow(b, e, P).toString())).toEqual(expected);
  });

  test("the private key is reduced into [2, p-2], whatever the random bytes", () => {
    expect(createKeyPair(fill(0)).privateKey).toBe(2n);
    const high = createKeyPair(fill(0xff)).privateKey;
    expect(high).toBeGreaterThanOrEqual(2n);
    expect(high).toBeLessThanOrEqual(P - 2n);
    for (let i = 0; i < 50; i++) {
      const { privateKey } = createKeyPair();
      expect(privateKey >= 2n && privateKey <= P - 2n).toBe(true);
    }
  });

  test("the public key is g^a mod p as a plain decimal string (checked by python)", () => {
    const pair = createKeyPair();
    expect(pair.publicKey).toMatch(/^[1-9][0-9]*$/);
    expect(pair.publicKey).toBe(python(`print(pow(5, ${pair.privateKey}, ${P}))`).trim());
    expect(createKeyPair(fill(0)).publicKey).toBe("25");
  });

  test("fresh keys differ from one keyinit to the next", () => {
    const keys = new Set(Array.from({ length: 20 }, () => createKeyPair().publicKey));
    expect(keys.size).toBe(20);
  });

  test("a random source of the wrong length is refused", () => {
    expect(() => createKeyPair((n) => new Uint8Array(n - 1))).toThrow("random source gave 31 bytes");
  });

  test("two guests' key pairs give each other the same secret", () => {
    const a = createKeyPair();
    const b = createKeyPair();
    const s = sharedSecret(a.privateKey, b.publicKey);
    expect(s).toBe(sharedSecret(b.privateKey, a.publicKey));
    expect(s).toMatch(/^[0-9]+$/);
  });

  test("round trip with the host side computed by python (as nova's SimpleDH does)", () => {
    const guests = Array.from({ length: 8 }, () => createKeyPair());
    // The host: b random, B = g^b mod p, S = A^b mod p; python prints B and S for each guest A.
    const out = python(
      `import sys, secrets\np=${P}\nfor l in sys.stdin:\n  A=int(l)\n  b=secrets.randbelow(p-3)+2\n  print(pow(5,b,p), pow(A,b,p))`,
      guests.map((g) => g.publicKey).join("\n"),
    );
    const rows = out.trim().split("\n").map((l) => l.split(" "));
    expect(rows).toHaveLength(guests.length);
    rows.forEach(([hostPublic, hostSecret], i) => {
      expect(sharedSecret((guests[i] as { privateKey: bigint }).privateKey, hostPublic as string)).toBe(hostSecret as string);
    });
  });

  test("leading zeros in the host's value are the same number", () => {
    const a = createKeyPair();
    expect(sharedSecret(a.privateKey, "000123456789")).toBe(sharedSecret(a.privateKey, "123456789"));
  });

  test("trivial and out-of-range host values are refused, naming the keyinit value", () => {
    const a = createKeyPair();
    // Elements of order 3 and 6: w = 5^((p-1)/3), and -w, -w² (python computes them independently).
    const tiny = python(`p=${P}\nw=pow(5,(p-1)//3,p)\nprint(w, w*w%p, p-w, p-w*w%p)`).trim().split(" ");
    expect(tiny).toHaveLength(4);
    for (const bad of ["0", "1", `${P - 1n}`, `${P}`, `${P + 1n}`, "00", "01", ...tiny]) {
      const error = thrown(() => sharedSecret(a.privateKey, bad));
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).source).toBe("keyinit value");
    }
    expect(thrown(() => sharedSecret(a.privateKey, "1")).message).toBe("keyinit value: the host's public key is a trivial value (0, 1, p-1 or of order 3 or 6): refused");
    expect(thrown(() => sharedSecret(a.privateKey, `${P}`)).message).toBe("keyinit value: the host's public key is not below the prime");
    // The values next to them are fine.
    for (const fine of ["2", `${P - 2n}`]) expect(sharedSecret(a.privateKey, fine)).toMatch(/^[0-9]+$/);
  });

  test("anything but plain decimal digits is refused, and so is a long string", () => {
    const a = createKeyPair();
    const bad = ["", "-5", "+5", " 5", "5 ", "5\n", "5.0", "1e5", "0x10", "５", "5a", "9".repeat(65)];
    for (const value of bad) {
      const error = thrown(() => sharedSecret(a.privateKey, value));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message.startsWith("keyinit value: ")).toBe(true);
    }
    expect(thrown(() => sharedSecret(a.privateKey, "9".repeat(65))).message).toBe("keyinit value: expected at most 64 digits, got 65 characters");
    expect(thrown(() => sharedSecret(a.privateKey, 5 as unknown as string)).message).toBe("keyinit value: expected the host's public key as a decimal string, got number");
  });

  test("a private key out of range is a programming error, not input", () => {
    for (const key of [0n, 1n, P - 1n, P]) expect(() => sharedSecret(key, "2")).toThrow(RangeError);
  });
});
