/**
 * SHA-512 crypt against two independent implementations on this machine: OpenSSL (`openssl passwd
 * -6`) and glibc/libxcrypt through python3's crypt module.
 */
import { describe, expect, test } from "bun:test";
import { parseSetting, ROUNDS_MAX, saltFrom, sha512Crypt } from "../../src/actions/crypt-sha512.ts";
import { runArgv } from "../helpers/run-agent.ts";

const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;

const CASES: [string, string][] = [
  ["Hello world!", "saltstring"],
  ["", "saltsalt"],
  ["a", "a"],
  ["password", "ABCDEFGHIJKLMNOP"],
  ["x".repeat(63), "boundary"],
  ["x".repeat(64), "boundary"],
  ["y".repeat(65), "boundary"],
  ["z".repeat(128), "boundary"],
  ["long ".repeat(50), "longpass"],
  ["longer ".repeat(60), "longpass"],
  ["pässwörd ✓ 日本語 🔑", "unicode./09AZaz"],
  ["with:colon and\nnewline", "salt"],
  ["Hello world!", "rounds=1000$saltstringsaltstring"],
  ["Hello world!", "rounds=10000$saltstringsaltstring"],
  ["Hello world!", "rounds=5000$toolongsaltstringtoolongsaltstring"],
  ["we have a short salt string but not a short password", "rounds=77777$short"],
  ["limits", "rounds=999999$max"],
];

async function openssl(password: string, salt: string): Promise<string> {
  const run = await runArgv(["openssl", "passwd", "-6", "-salt", salt, password], { env: { PATH } });
  expect(run.stderr).toBe("");
  return run.stdout.trim();
}

async function pythonCrypt(pairs: [string, string][]): Promise<string[]> {
  const py = "import crypt,json,sys; print(json.dumps([crypt.crypt(p, s) for p, s in json.loads(sys.argv[1])]))";
  const run = await runArgv(["python3", "-W", "ignore", "-c", py, JSON.stringify(pairs)], { env: { PATH } });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as string[];
}

describe("sha512Crypt", () => {
  test("agrees with glibc/libxcrypt (python3 crypt) on every case", async () => {
    const theirs = await pythonCrypt(CASES.map(([p, s]) => [p, `$6$${s}`]));
    expect(CASES.map(([p, s]) => sha512Crypt(p, `$6$${s}`))).toEqual(theirs);
  }, 60_000);

  test("agrees with openssl passwd -6 on every case", async () => {
    // openssl passwd reads an empty argument as "<NULL>" and cuts passwords at 256 bytes: those are python's cases only.
    const fits = ([p]: [string, string]) => p !== "" && new TextEncoder().encode(p).length <= 256;
    for (const [p, s] of CASES.filter(fits)) expect({ p, s, hash: sha512Crypt(p, s) }).toEqual({ p, s, hash: await openssl(p, s) });
  }, 60_000);

  test("rounds below 1000 are raised to 1000, as the spec and OpenSSL do (libxcrypt refuses them instead)", async () => {
    const ours = sha512Crypt("pw", "$6$rounds=999$abc");
    expect(ours.startsWith("$6$rounds=1000$abc$")).toBe(true);
    expect(ours).toBe(await openssl("pw", "rounds=999$abc"));
    expect(await pythonCrypt([["pw", "$6$rounds=999$abc$"]])).toEqual(["*0"]);
  });

  test("rounds above 999999999 are lowered to it (read, not computed: that would take minutes)", () => {
    expect(parseSetting("$6$rounds=1000000000$salt$whatever")).toEqual({ salt: "salt", rounds: ROUNDS_MAX, roundsGiven: true });
    expect(parseSetting("$6$saltsaltsaltsaltsalt")).toEqual({ salt: "saltsaltsaltsalt", rounds: 5000, roundsGiven: false });
  });

  test("a NUL byte is refused: C's crypt would stop at it and hash something else", () => {
    expect(() => sha512Crypt("a\0b", "$6$salt")).toThrow("NUL");
  });

  test("salts are 16 characters of crypt's alphabet", () => {
    const salt = saltFrom((n) => Uint8Array.from({ length: n }, (_, i) => i * 17));
    expect(salt).toMatch(/^[./0-9A-Za-z]{16}$/);
  });
});
