import { describe, expect, test } from "bun:test";
import { QgaParser, type QgaFrame } from "../../../src/transports/virtio/qga-parser.ts";

const encoder = new TextEncoder();
const bytes = (...parts: (string | number[])[]) => {
  const chunks = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};
/** Raw bytes from a "binary string" (each char one byte), for invalid UTF-8. */
const raw = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const parse = (input: Uint8Array | string, maxBytes = 1 << 20) => new QgaParser({ maxBytes }).push(typeof input === "string" ? encoder.encode(input) : input);
const value = (v: unknown): QgaFrame => ({ kind: "value", value: v });
const error = (desc: string): QgaFrame => ({ kind: "error", desc });
const RESET: QgaFrame = { kind: "reset" };

/** A stream of several requests as hosts write them: whitespace, escapes, UTF-8, quotes, scalars. */
const SAMPLE = bytes(
  '{"execute":"guest-sync-delimited","arguments":{"id":123456}}\n',
  '{"execute": "guest-set-user-password", "arguments": {"username": "root", "password": "cMOpw6k=", "crypted": false}, "id": "a\\"b\\\\c"}',
  "  \r\n\t",
  '{"execute":"guest-exec","arguments":{"path":"/bin/echo","arg":["h\\u00e9 \\ud83d\\ude00","ünï 😀",-1.5e3,0,true,null,[]],"env":[]},"id":[1,{"x":{}}]}',
  "{'execute':'guest-ping','id':'it\\'s \"q\"'}",
  '123 "x"\n',
);
const SAMPLE_FRAMES: QgaFrame[] = [
  value({ execute: "guest-sync-delimited", arguments: { id: 123456 } }),
  value({ execute: "guest-set-user-password", arguments: { username: "root", password: "cMOpw6k=", crypted: false }, id: 'a"b\\c' }),
  value({ execute: "guest-exec", arguments: { path: "/bin/echo", arg: ["hé 😀", "ünï 😀", -1500, 0, true, null, []], env: [] }, id: [1, { x: {} }] }),
  value({ execute: "guest-ping", id: 'it\'s "q"' }),
  value(123),
  value("x"),
];

describe("QgaParser: framing by structure", () => {
  test("several values in one chunk, whitespace between them skipped", () => {
    expect(parse(SAMPLE)).toEqual(SAMPLE_FRAMES);
  });

  test("the same frames whatever the split: at every byte boundary, and one byte at a time", () => {
    for (let cut = 1; cut < SAMPLE.length; cut++) {
      const parser = new QgaParser({ maxBytes: 1 << 20 });
      const frames = [...parser.push(SAMPLE.subarray(0, cut)), ...parser.push(SAMPLE.subarray(cut))];
      if (!Bun.deepEquals(frames, SAMPLE_FRAMES)) throw new Error(`split at byte ${cut}: ${JSON.stringify(frames)}`);
    }
    const parser = new QgaParser({ maxBytes: 1 << 20 });
    const frames: QgaFrame[] = [];
    for (const b of SAMPLE) frames.push(...parser.push(Uint8Array.of(b)));
    expect(frames).toEqual(SAMPLE_FRAMES);
  });

  test("a value split inside a multi-byte UTF-8 character or inside an escape", () => {
    const input = bytes('{"a":"é😀\\u00e9\\ud83d\\ude00"}');
    for (let cut = 1; cut < input.length; cut++) {
      const parser = new QgaParser({ maxBytes: 1000 });
      expect([...parser.push(input.subarray(0, cut)), ...parser.push(input.subarray(cut))]).toEqual([value({ a: "é😀é😀" })]);
    }
  });

  test("nothing comes out before a value ends; a top-level number waits for the byte after it", () => {
    const parser = new QgaParser({ maxBytes: 1000 });
    expect(parser.push(encoder.encode('{"execute":"guest-ping"'))).toEqual([]);
    expect(parser.push(encoder.encode("}"))).toEqual([value({ execute: "guest-ping" })]);
    expect(parser.push(encoder.encode("123"))).toEqual([]);
    expect(parser.push(encoder.encode("\n"))).toEqual([value(123)]);
  });

  test("top-level scalars are values (the session rejects them as qemu-ga does)", () => {
    expect(parse('123 "x" true null -0.5 [1,2] ')).toEqual([value(123), value("x"), value(true), value(null), value(-0.5), value([1, 2])]);
  });

  test("a newline is not a delimiter: one value over several lines", () => {
    expect(parse('{\n"execute"\n:\n"guest-ping"\n}')).toEqual([value({ execute: "guest-ping" })]);
  });
});

describe("QgaParser: 0xFF resets", () => {
  test("0xFF mid-object drops it: a reset, then the next request", () => {
    expect(parse(bytes('{"execute":"guest-info","arguments":{', [0xff], '{"execute":"guest-sync-delimited","arguments":{"id":7}}'))).toEqual([
      RESET,
      value({ execute: "guest-sync-delimited", arguments: { id: 7 } }),
    ]);
  });

  test("0xFF inside a string, inside an escape, between values, twice in a row", () => {
    expect(parse(bytes('{"a":"xy', [0xff], '{"b":1}'))).toEqual([RESET, value({ b: 1 })]);
    expect(parse(bytes('{"a":"\\', [0xff], '{"b":1}'))).toEqual([RESET, value({ b: 1 })]);
    expect(parse(bytes('{"b":1}', [0xff, 0xff], '{"b":2}'))).toEqual([value({ b: 1 }), RESET, RESET, value({ b: 2 })]);
  });

  test("after 0xFF, as after qemu's error on it, bytes up to the next structural character are skipped", () => {
    expect(parse(bytes([0xff], 'ing"}{"b":1}'))).toEqual([RESET, error("JSON parse error, expecting value"), value({ b: 1 })]);
    expect(parse(bytes([0xff], ' 12 "x" {"b":1}'))).toEqual([RESET, value({ b: 1 })]);
  });

  test("0xFF while skipping an oversized value ends the skipping", () => {
    expect(parse(bytes('{"a":"', "x".repeat(100), [0xff], '{"b":1}'), 50)).toEqual([error("request too large: over the 50-byte limit"), RESET, value({ b: 1 })]);
  });
});

describe("QgaParser: malformed input, in qemu-ga's words, and recovery", () => {
  // Each case was sent to Debian's qemu-ga 7.2 (see qga-session.test.ts for the live comparison):
  // these are its replies' desc, in order, followed by the good request's value.
  const GOOD = '{"execute":"guest-ping","id":1}';
  const cases: [string, string[]][] = [
    ["}", ["JSON parse error, expecting value"]],
    ["]", ["JSON parse error, expecting value"]],
    [":", ["JSON parse error, expecting value"]],
    ["@ ", ["JSON parse error, stray '@'"]],
    ["abc", ["JSON parse error, invalid keyword 'abc'"]],
    ['{"execute":@}', ["JSON parse error, stray '@'", "JSON parse error, expecting value"]],
    ['{"execute":"guest-ping" 1}', ["JSON parse error, expected separator in dict"]],
    ['{"execute":"guest-ping","execute":"guest-info"}', ["JSON parse error, duplicate key"]],
    ['{"execute":"guest-ping",}', ["JSON parse error, expecting value"]],
    ['{"execute" "guest-ping"}', ["JSON parse error, missing : in object pair"]],
    ["{1:2}", ["JSON parse error, key is not a string in object"]],
    ["[1 2]", ["JSON parse error, expected separator in list"]],
    ["[1,]", ["JSON parse error, expecting value"]],
    ['{"execute":tru}', ["JSON parse error, invalid keyword 'tru'"]],
    ['{"execute":"a\\x"}', ["JSON parse error, invalid escape sequence in string"]],
    ['{"execute":"\\u00"}', ['JSON parse error, \\u00" is not a valid Unicode character']],
    ['{"id":"\\ud83d"}', ["JSON parse error, \\ud83d is not a valid Unicode character"]],
    ['{"id":"\\ude00"}', ["JSON parse error, \\ude00 is not a valid Unicode character"]],
    ['{"id":"\\uFFFF"}', ["JSON parse error, \\uFFFF is not a valid Unicode character"]],
    ['{"id":"\\ufdd0"}', ["JSON parse error, \\ufdd0 is not a valid Unicode character"]],
    ['{"id":"a\tb"}', ["JSON parse error, stray '\"a\t'", "JSON parse error, expecting value"]],
    ['{"id":"a\nb"}', ["JSON parse error, stray '\"a\n'", "JSON parse error, expecting value"]],
    ['{"id":01}', ["JSON parse error, stray '01'", "JSON parse error, expecting value"]],
    ['{"id":-}', ["JSON parse error, stray '-}'"]],
    ['{"id":1.}', ["JSON parse error, stray '1.}'"]],
    ['{"id":1e}', ["JSON parse error, stray '1e}'"]],
    ['{"id":.5}', ["JSON parse error, stray '.'", "JSON parse error, expecting value"]],
    ['{"id":TRUE}', ["JSON parse error, stray 'T'", "JSON parse error, expecting value"]],
    ["{]", ["JSON parse error, expecting value"]],
    ["[}", ["JSON parse error, expecting value"]],
    ['{"a":1]', ["JSON parse error, expected separator in dict"]],
    ["[{]}", ["JSON parse error, expecting value"]],
    ['{"a"}', ["JSON parse error, missing : in object pair"]],
    ['{"a":}', ["JSON parse error, expecting value"]],
    ["{,}", ["JSON parse error, expecting value"]],
  ];
  for (const [bad, descs] of cases) {
    test(`${JSON.stringify(bad)} → ${descs.length} error(s), then the next request`, () => {
      expect(parse(bad + GOOD)).toEqual([...descs.map(error), value({ execute: "guest-ping", id: 1 })]);
    });
  }

  test("invalid UTF-8 in a string, as qemu's modified UTF-8 reads it", () => {
    const bad = "JSON parse error, invalid UTF-8 sequence in string";
    for (const s of ["\xc3", "\xc3(", "\xe0\x80\xaf", "\xed\xa0\x80", "\xef\xbf\xbf", "\xef\xb7\x90", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80"]) {
      expect(parse(raw(`{"id":"${s}"}`))).toEqual([error(bad)]);
    }
    expect(parse(raw('{"id":"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f"}'))).toEqual([value({ id: "é€😀\x7f" })]);
    // A leading U+FEFF is part of the string (not a byte-order mark to drop).
    expect(parse(raw('{"id":"\xef\xbb\xbfx"}'))).toEqual([value({ id: "\ufeffx" })]);
    // C0 80 is U+0000 in modified UTF-8; so is \u0000.
    expect(parse(raw('{"id":"a\xc0\x80b\\u0000"}'))).toEqual([value({ id: "a\u0000b\u0000" })]);
  });

  test("0xFE is never a token: a stray error, and the lexer skips to a structural character", () => {
    expect(parse(raw('{"id":"\xfe"}{"b":1}'))).toEqual([error("JSON parse error, stray '\"\uFFFD'"), error("JSON parse error, expecting value"), value({ b: 1 })]);
  });

  test("recovery: a lexical error skips to the next structural character or newline, not further", () => {
    // "{" ends the skipping: the request right after the garbage is read.
    expect(parse('@@@garbage{"b":1}')).toEqual([error("JSON parse error, stray '@'"), value({ b: 1 })]);
    // A half-sent request with a bad byte, then a newline and a good one: the good one is read.
    expect(parse('{"execute":"guest-ping","arguments":{"x":@ oops\n{"b":2}')).toEqual([error("JSON parse error, stray '@'"), value({ b: 2 })]);
  });

  test("a long token is echoed cut short", () => {
    const [frame] = parse(`{"id":"${"x".repeat(500)}\u0001"}`);
    expect(frame).toEqual(error(`JSON parse error, stray '"${"x".repeat(63)}...'`));
  });

  test('a "__proto__" key is an ordinary member', () => {
    const [frame] = parse('{"__proto__":{"polluted":1},"execute":"x"}');
    const got = (frame as { value: Record<string, unknown> }).value;
    expect(Object.keys(got)).toEqual(["__proto__", "execute"]);
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("QgaParser: limits", () => {
  test("a value of exactly maxBytes passes; one byte more is an error, and the next value is read", () => {
    const exact = `{"a":"${"x".repeat(92)}"}`;
    expect(exact.length).toBe(100);
    expect(parse(exact, 100)).toEqual([value({ a: "x".repeat(92) })]);
    expect(parse(` \n${exact}\n `, 100)).toEqual([value({ a: "x".repeat(92) })]);
    expect(parse(`{"a":"${"x".repeat(93)}"}{"b":1}`, 100)).toEqual([error("request too large: over the 100-byte limit"), value({ b: 1 })]);
  });

  test("the error comes as soon as the limit is passed, before the value ends", () => {
    const parser = new QgaParser({ maxBytes: 100 });
    expect(parser.push(encoder.encode(`{"a":"${"x".repeat(200)}`))).toEqual([error("request too large: over the 100-byte limit")]);
    expect(parser.push(encoder.encode(`${"y".repeat(200)}"}`))).toEqual([]);
    expect(parser.push(encoder.encode('{"b":1}'))).toEqual([value({ b: 1 })]);
  });

  test("skipping an oversized value still follows strings and depth: braces in its strings do not end it", () => {
    const big = `{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"${"QUJD".repeat(100)}","x":["}}]]\\"}}",{"y":"{"}]}}`;
    expect(parse(`${big}{"execute":"guest-ping"}`, 200)).toEqual([error("request too large: over the 200-byte limit"), value({ execute: "guest-ping" })]);
  });

  test("10 MiB of one string in 64 KiB chunks: one error, memory held stays under maxBytes, the next value is read", () => {
    const parser = new QgaParser({ maxBytes: 4096 });
    const frames: QgaFrame[] = [...parser.push(encoder.encode('{"execute":"guest-file-write","arguments":{"buf-b64":"'))];
    const chunk = encoder.encode("QUJD".repeat(16384));
    let peak = 0;
    for (let sent = 0; sent < 10 << 20; sent += chunk.length) {
      frames.push(...parser.push(chunk));
      peak = Math.max(peak, parser.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(4096);
    frames.push(...parser.push(encoder.encode('"}}{"execute":"guest-ping"}')));
    expect(frames).toEqual([error("request too large: over the 4096-byte limit"), value({ execute: "guest-ping" })]);
  });

  test("an endless string never grows the buffer (no end, no second error)", () => {
    const parser = new QgaParser({ maxBytes: 1000 });
    const frames = parser.push(encoder.encode('"'));
    const chunk = new Uint8Array(65536).fill(0x41);
    for (let i = 0; i < 160; i++) frames.push(...parser.push(chunk));
    expect(frames).toEqual([error("request too large: over the 1000-byte limit")]);
    expect(parser.bufferedBytes).toBeLessThanOrEqual(1000);
  });

  test("a big value's buffer is given back once the value is done", () => {
    const parser = new QgaParser({ maxBytes: 1 << 20 });
    expect(parser.push(encoder.encode(`"${"x".repeat(500_000)}`))).toEqual([]);
    expect(parser.bufferedBytes).toBeGreaterThanOrEqual(500_000);
    expect(parser.push(encoder.encode('"'))).toEqual([value("x".repeat(500_000))]);
    expect(parser.bufferedBytes).toBeLessThan(1000);
  });

  test("nesting: 64 levels pass, 65 are an error; the rest is skipped and the next value read", () => {
    const nest = (n: number) => "[".repeat(n) + "]".repeat(n);
    const [ok] = parse(nest(64));
    expect(ok?.kind).toBe("value");
    expect(parse(`${nest(65)}{"b":1}`)).toEqual([error("JSON nesting depth limit exceeded"), value({ b: 1 })]);
    expect(parse(`${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}{"b":2}`)).toEqual([error("JSON nesting depth limit exceeded"), value({ b: 2 })]);
    expect(new QgaParser({ maxBytes: 1000, maxDepth: 2 }).push(encoder.encode("[[[]]] [[]]"))).toEqual([error("JSON nesting depth limit exceeded"), value([[]])]);
  });

  test("brackets and braces are counted apart, as qemu does: an unbalanced mix is one error", () => {
    expect(parse('[{"a":1]}{"b":1}')).toEqual([error("JSON parse error, expected separator in dict"), value({ b: 1 })]);
  });
});
