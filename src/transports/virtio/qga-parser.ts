/**
 * The QGA wire's request framing: a stream of JSON values, cut by structure (not by newlines), the
 * way qemu-ga's JSON streamer does it (qobject/json-lexer.c, json-streamer.c, json-parser.c).
 *
 * - The lexer accepts what qemu's does: RFC 8259 tokens plus single-quoted strings and the \' escape;
 *   inside strings any byte 0x20..0xFD (UTF-8 is checked when the string is decoded).
 * - A value is complete when its braces and brackets balance (counted apart, as qemu does), or at
 *   once for a top-level scalar; qemu-ga then rejects a scalar as "QMP input must be a JSON object",
 *   which is the session's business, so scalars come out as values.
 * - A lexical error (a byte no token can hold, a control character in a string, `01`, `1.}`) is
 *   answered at once as "JSON parse error, stray '…'", drops the value in hand, and the lexer skips
 *   to the next structural character, control character (newline) or 0xFE, as qemu's IN_RECOVERY.
 * - A grammar error inside a balanced value ("expected separator in dict", "duplicate key", …) is
 *   answered when the value balances, with qemu's words.
 * - 0xFF (never valid UTF-8) resets everything: the host's "flush the parser" before
 *   guest-sync-delimited. qemu-ga answers it with a "stray" error; this parser says `reset`.
 * - Limits (unlike qemu, which resets its counts and reads the rest of the value as new values):
 *   a value over `maxBytes` bytes, or nested deeper than `maxDepth`, gives one error and the rest of
 *   that value is skipped (strings and depth still tracked) until it ends. Nothing held grows past
 *   `maxBytes`, whatever comes in.
 */

export type QgaFrame = { kind: "value"; value: unknown } | { kind: "error"; desc: string } | { kind: "reset" };

export interface QgaParserOptions {
  /** The largest value, in bytes from its first byte to its last (inner whitespace included). */
  maxBytes: number;
  /** The deepest nesting of objects and arrays (qemu allows 1024). Default 64. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 64;

/** Longer token text in "stray '…'" and "invalid keyword '…'" messages is cut (qemu echoes it all). */
const MAX_ECHO_CHARS = 64;

/** A token buffer grown past this by one big value is given back once the value is done. */
const KEEP_BUFFER_BYTES = 64 << 10;

// Lexer states (qemu json-lexer.c's, less interpolation).
const START = 0;
const RECOVERY = 1;
const DQ_STRING = 2;
const DQ_ESCAPE = 3;
const SQ_STRING = 4;
const SQ_ESCAPE = 5;
const ZERO = 6;
const SIGN = 7;
const DIGITS = 8;
const MANTISSA = 9;
const MANTISSA_DIGITS = 10;
const EXP_E = 11;
const EXP_SIGN = 12;
const EXP_DIGITS = 13;
const KEYWORD = 14;

// Token types.
const T_LCURLY = 0;
const T_RCURLY = 1;
const T_LSQUARE = 2;
const T_RSQUARE = 3;
const T_COLON = 4;
const T_COMMA = 5;
const T_STRING = 6;
const T_NUMBER = 7;
const T_KEYWORD = 8;

const STRUCTURAL: Record<number, number> = { 0x7b: T_LCURLY, 0x7d: T_RCURLY, 0x5b: T_LSQUARE, 0x5d: T_RSQUARE, 0x3a: T_COLON, 0x2c: T_COMMA };

// What the value builder expects next in the container on top of its stack.
const OBJ_FIRST_KEY = 0; // after "{": a key or "}"
const OBJ_KEY = 1; // after ",": a key
const OBJ_COLON = 2;
const OBJ_VALUE = 3;
const OBJ_NEXT = 4; // after a member: "," or "}"
const ARR_FIRST = 5; // after "[": a value or "]"
const ARR_VALUE = 6; // after ",": a value
const ARR_NEXT = 7; // after an element: "," or "]"

interface Container {
  object: Record<string, unknown> | null;
  array: unknown[] | null;
  key: string;
  expect: number;
}

const isWhitespace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isLower = (b: number) => b >= 0x61 && b <= 0x7a;

// ignoreBOM: a U+FEFF that begins a string is kept (TextDecoder would drop it).
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

const SIMPLE_ESCAPES: Record<number, string> = { 0x22: '"', 0x27: "'", 0x5c: "\\", 0x2f: "/", 0x62: "\b", 0x66: "\f", 0x6e: "\n", 0x72: "\r", 0x74: "\t" };

function echo(bytes: Uint8Array): string {
  const text = utf8.decode(bytes);
  return text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS)}...` : text;
}

/** qemu's is_valid_codepoint (util/unicode.c): no surrogates, no noncharacters, nothing past U+10FFFF. */
function isValidCodepoint(cp: number): boolean {
  if (cp < 0 || cp > 0x10ffff) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return false;
  return (cp & 0xfffe) !== 0xfffe;
}

function hex4(raw: Uint8Array, at: number, end: number): number {
  if (at + 4 > end) return -1;
  let cp = 0;
  for (let k = at; k < at + 4; k++) {
    const c = raw[k] as number;
    const d = isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    cp = (cp << 4) | d;
  }
  return cp;
}

/**
 * One UTF-8 sequence at `at` as qemu's mod_utf8_codepoint reads it ("modified UTF-8": C0 80 is
 * U+0000; other overlong forms, surrogates and noncharacters are invalid): [codepoint, length], or
 * null when invalid.
 */
function utf8Sequence(raw: Uint8Array, at: number, end: number): [number, number] | null {
  const lead = raw[at] as number;
  let length: number;
  let cp: number;
  if (lead >= 0xc0 && lead <= 0xdf) [length, cp] = [2, lead & 0x1f];
  else if (lead >= 0xe0 && lead <= 0xef) [length, cp] = [3, lead & 0x0f];
  else if (lead >= 0xf0 && lead <= 0xf7) [length, cp] = [4, lead & 0x07];
  else return null;
  if (at + length > end) return null;
  for (let k = at + 1; k < at + length; k++) {
    const c = raw[k] as number;
    if ((c & 0xc0) !== 0x80) return null;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (length === 2 && cp === 0) return [0, 2];
  const shortest = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  if (shortest !== length || !isValidCodepoint(cp)) return null;
  return [cp, length];
}

/** A whole string token (quotes included) → its text, or qemu's words for what is wrong with it. */
function decodeString(raw: Uint8Array): { text: string } | { error: string } {
  const end = raw.length - 1;
  let text = "";
  let run = 1;
  let i = 1;
  while (i < end) {
    const b = raw[i] as number;
    if (b < 0x80) {
      if (b !== 0x5c) {
        i++;
        continue;
      }
      text += utf8.decode(raw.subarray(run, i));
      const e = raw[i + 1] as number;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        text += simple;
        i += 2;
      } else if (e === 0x75) {
        let cp = hex4(raw, i + 2, raw.length);
        let next = i + 6;
        if (cp >= 0xd800 && cp <= 0xdbff && raw[next] === 0x5c && raw[next + 1] === 0x75) {
          const low = hex4(raw, next + 2, raw.length);
          if (low >= 0xdc00 && low <= 0xdfff) {
            cp = 0x10000 + ((cp & 0x3ff) << 10) + (low & 0x3ff);
            next += 6;
          } else cp = -1;
        }
        if (!isValidCodepoint(cp)) return { error: `JSON parse error, ${utf8.decode(raw.subarray(i, Math.min(next, raw.length)))} is not a valid Unicode character` };
        text += String.fromCodePoint(cp);
        i = next;
      } else return { error: "JSON parse error, invalid escape sequence in string" };
      run = i;
      continue;
    }
    const sequence = utf8Sequence(raw, i, end);
    if (!sequence) return { error: "JSON parse error, invalid UTF-8 sequence in string" };
    if (sequence[0] === 0) {
      text += `${utf8.decode(raw.subarray(run, i))}\u0000`;
      run = i + 2;
    }
    i += sequence[1];
  }
  return { text: text + utf8.decode(raw.subarray(run, end)) };
}

export class QgaParser {
  readonly #maxBytes: number;
  readonly #maxDepth: number;
  #out: QgaFrame[] = [];

  #state = START;
  /** The token being lexed (for strings, numbers, keywords and "stray" messages). */
  #token: Uint8Array;
  #tokenLength = 0;

  /** A value has begun (its first byte came) and has not ended yet. */
  #inValue = false;
  #valueBytes = 0;
  #braces = 0;
  #brackets = 0;
  /** Over a limit: the rest of the value is lexed (to find its end) but not kept. */
  #skipping = false;
  /** The value's grammar error, answered once it balances (qemu parses only then). */
  #pendingError: string | null = null;
  #stack: Container[] = [];
  #done = false;
  #result: unknown = undefined;

  constructor(options: QgaParserOptions) {
    if (!(options.maxBytes >= 1)) throw new RangeError("QgaParser: maxBytes must be at least 1");
    this.#maxBytes = options.maxBytes;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#token = new Uint8Array(Math.min(256, this.#maxBytes));
  }

  /** Bytes held for the token being lexed (capacity): never more than maxBytes. */
  get bufferedBytes(): number {
    return this.#token.length;
  }

  push(chunk: Uint8Array): QgaFrame[] {
    const out: QgaFrame[] = [];
    this.#out = out;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const b = chunk[i] as number;
      if (b === 0xff) {
        // As after qemu's error on this byte: skip to the next resynchronisation point.
        this.#endValue();
        this.#state = RECOVERY;
        out.push({ kind: "reset" });
        i++;
        continue;
      }
      switch (this.#state) {
        case START: {
          if (isWhitespace(b)) {
            if (this.#inValue) this.#count(1);
            i++;
            break;
          }
          if (!this.#inValue) {
            this.#inValue = true;
            this.#valueBytes = 0;
          }
          this.#count(1);
          i++;
          const structural = STRUCTURAL[b];
          if (structural !== undefined) this.#emitToken(structural);
          else {
            this.#keep(b);
            if (b === 0x22) this.#state = DQ_STRING;
            else if (b === 0x27) this.#state = SQ_STRING;
            else if (b === 0x30) this.#state = ZERO;
            else if (b >= 0x31 && b <= 0x39) this.#state = DIGITS;
            else if (b === 0x2d) this.#state = SIGN;
            else if (isLower(b)) this.#state = KEYWORD;
            else this.#lexError();
          }
          break;
        }
        case RECOVERY: {
          // qemu's IN_RECOVERY: skip to a structural character, a control character other than
          // tab, or 0xFE; that byte is then read again as the start of something new.
          if ((b < 0x20 && b !== 0x09) || b === 0xfe || STRUCTURAL[b] !== undefined) this.#state = START;
          else i++;
          break;
        }
        case DQ_STRING:
        case SQ_STRING: {
          const quote = this.#state === DQ_STRING ? 0x22 : 0x27;
          let j = i;
          while (j < n) {
            const c = chunk[j] as number;
            if (c < 0x20 || c >= 0xfe || c === quote || c === 0x5c) break;
            j++;
          }
          if (j > i) {
            const allowed = this.#maxBytes - this.#valueBytes;
            if (!this.#skipping) this.#keepRange(chunk, i, Math.min(j, i + Math.max(allowed, 0)));
            this.#count(j - i);
            i = j;
            break;
          }
          this.#count(1);
          i++;
          this.#keep(b);
          if (b === quote) this.#emitToken(T_STRING);
          else if (b === 0x5c) this.#state = quote === 0x22 ? DQ_ESCAPE : SQ_ESCAPE;
          else this.#lexError();
          break;
        }
        case DQ_ESCAPE:
        case SQ_ESCAPE: {
          this.#count(1);
          i++;
          this.#keep(b);
          if (b >= 0x20 && b <= 0xfd) this.#state = this.#state === DQ_ESCAPE ? DQ_STRING : SQ_STRING;
          else this.#lexError();
          break;
        }
        default: {
          // Numbers and keywords: a byte that cannot continue the token ends it (lookahead: the
          // byte is read again from START); one that cannot follow at all is a lexical error.
          const next = this.#numberOrKeyword(b);
          if (next === null) this.#emitToken(this.#state === KEYWORD ? T_KEYWORD : T_NUMBER);
          else {
            this.#count(1);
            this.#keep(b);
            i++;
            if (next === -1) this.#lexError();
            else this.#state = next;
          }
          break;
        }
      }
      // A token ended by lookahead leaves `i` where it was: the byte is read again from START.
    }
    this.#out = [];
    return out;
  }

  /** In a number or keyword state: the state after `b`, null when `b` ends the token, -1 for an error. */
  #numberOrKeyword(b: number): number | null {
    switch (this.#state) {
      case KEYWORD:
        return isLower(b) ? KEYWORD : null;
      case ZERO:
        return b === 0x2e ? MANTISSA : isDigit(b) ? -1 : null;
      case SIGN:
        return b === 0x30 ? ZERO : b >= 0x31 && b <= 0x39 ? DIGITS : -1;
      case DIGITS:
        return isDigit(b) ? DIGITS : b === 0x65 || b === 0x45 ? EXP_E : b === 0x2e ? MANTISSA : null;
      case MANTISSA:
        return isDigit(b) ? MANTISSA_DIGITS : -1;
      case MANTISSA_DIGITS:
        return isDigit(b) ? MANTISSA_DIGITS : b === 0x65 || b === 0x45 ? EXP_E : null;
      case EXP_E:
        return b === 0x2b || b === 0x2d ? EXP_SIGN : isDigit(b) ? EXP_DIGITS : -1;
      case EXP_SIGN:
        return isDigit(b) ? EXP_DIGITS : -1;
      default:
        return isDigit(b) ? EXP_DIGITS : null;
    }
  }

  #keep(b: number): void {
    if (this.#skipping) return;
    this.#grow(this.#tokenLength + 1);
    this.#token[this.#tokenLength++] = b;
  }

  #keepRange(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.#grow(this.#tokenLength + (to - from));
    this.#token.set(chunk.subarray(from, to), this.#tokenLength);
    this.#tokenLength += to - from;
  }

  #grow(size: number): void {
    if (size <= this.#token.length) return;
    let capacity = this.#token.length;
    while (capacity < size) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, Math.max(size, this.#maxBytes)));
    grown.set(this.#token.subarray(0, this.#tokenLength));
    this.#token = grown;
  }

  /** Counts `bytes` more of the value; past maxBytes, answers once and skips the rest of it. */
  #count(bytes: number): void {
    this.#valueBytes += bytes;
    if (this.#valueBytes <= this.#maxBytes || this.#skipping) return;
    this.#fail(`request too large: over the ${this.#maxBytes}-byte limit`);
  }

  /** Answers `desc` now and skips the rest of the value (it is still lexed, to find its end). */
  #fail(desc: string): void {
    this.#out.push({ kind: "error", desc });
    this.#skipping = true;
    this.#pendingError = null;
    this.#stack = [];
    this.#tokenLength = 0;
  }

  #lexError(): void {
    if (!this.#skipping) this.#out.push({ kind: "error", desc: `JSON parse error, stray '${echo(this.#token.subarray(0, this.#tokenLength))}'` });
    this.#endValue();
    this.#state = RECOVERY;
  }

  #emitToken(type: number): void {
    this.#state = START;
    if (type === T_LCURLY) this.#braces++;
    else if (type === T_RCURLY) this.#braces--;
    else if (type === T_LSQUARE) this.#brackets++;
    else if (type === T_RSQUARE) this.#brackets--;
    if (!this.#skipping) {
      if ((type === T_LCURLY || type === T_LSQUARE) && this.#braces + this.#brackets > this.#maxDepth) this.#fail("JSON nesting depth limit exceeded");
      else if (this.#pendingError === null) this.#build(type);
    }
    this.#tokenLength = 0;
    // qemu's test: go on while something is open and nothing closed more than it opened.
    if ((this.#braces > 0 || this.#brackets > 0) && this.#braces >= 0 && this.#brackets >= 0) return;
    if (!this.#skipping) {
      if (this.#pendingError !== null) this.#out.push({ kind: "error", desc: this.#pendingError });
      else if (this.#done) this.#out.push({ kind: "value", value: this.#result });
      else this.#out.push({ kind: "error", desc: "JSON parse error, expecting value" });
    }
    this.#endValue();
  }

  #endValue(): void {
    this.#inValue = false;
    this.#valueBytes = 0;
    this.#braces = 0;
    this.#brackets = 0;
    this.#skipping = false;
    this.#pendingError = null;
    this.#stack = [];
    this.#done = false;
    this.#result = undefined;
    this.#tokenLength = 0;
    if (this.#token.length > KEEP_BUFFER_BYTES) this.#token = new Uint8Array(Math.min(256, this.#maxBytes));
  }

  /** A scalar token's value, or sets the pending error and returns undefined. */
  #scalar(type: number): { value: unknown } | undefined {
    const raw = this.#token.subarray(0, this.#tokenLength);
    if (type === T_STRING) {
      const decoded = decodeString(raw);
      if ("error" in decoded) {
        this.#pendingError = decoded.error;
        return undefined;
      }
      return { value: decoded.text };
    }
    const text = utf8.decode(raw);
    if (type === T_NUMBER) return { value: Number(text) };
    if (text === "true") return { value: true };
    if (text === "false") return { value: false };
    if (text === "null") return { value: null };
    this.#pendingError = `JSON parse error, invalid keyword '${echo(raw)}'`;
    return undefined;
  }

  /** Feeds one token to the value being built: qemu json-parser.c's grammar and words. */
  #build(type: number): void {
    const top = this.#stack[this.#stack.length - 1];
    const isValueStart = type === T_LCURLY || type === T_LSQUARE || type === T_STRING || type === T_NUMBER || type === T_KEYWORD;
    const fail = (words: string) => {
      this.#pendingError = `JSON parse error, ${words}`;
    };
    const take = () => {
      if (type === T_LCURLY) this.#stack.push({ object: {}, array: null, key: "", expect: OBJ_FIRST_KEY });
      else if (type === T_LSQUARE) this.#stack.push({ object: null, array: [], key: "", expect: ARR_FIRST });
      else {
        const scalar = this.#scalar(type);
        if (scalar) this.#deliver(scalar.value);
      }
    };
    if (!top) {
      if (isValueStart) take();
      else fail("expecting value");
      return;
    }
    switch (top.expect) {
      case OBJ_FIRST_KEY:
      case OBJ_KEY: {
        if (type === T_RCURLY && top.expect === OBJ_FIRST_KEY) return this.#close();
        if (type === T_STRING) {
          const key = this.#scalar(type);
          if (key) {
            top.key = key.value as string;
            top.expect = OBJ_COLON;
          }
        } else if (type === T_KEYWORD && this.#scalar(type) === undefined) {
          // an invalid keyword's own error is set
        } else fail(isValueStart ? "key is not a string in object" : "expecting value");
        return;
      }
      case OBJ_COLON:
        if (type === T_COLON) top.expect = OBJ_VALUE;
        else fail("missing : in object pair");
        return;
      case OBJ_VALUE:
      case ARR_FIRST:
      case ARR_VALUE:
        if (type === T_RSQUARE && top.expect === ARR_FIRST) return this.#close();
        if (isValueStart) take();
        else fail("expecting value");
        return;
      case OBJ_NEXT:
        if (type === T_COMMA) top.expect = OBJ_KEY;
        else if (type === T_RCURLY) this.#close();
        else fail("expected separator in dict");
        return;
      case ARR_NEXT:
        if (type === T_COMMA) top.expect = ARR_VALUE;
        else if (type === T_RSQUARE) this.#close();
        else fail("expected separator in list");
        return;
    }
  }

  #close(): void {
    const container = this.#stack.pop() as Container;
    this.#deliver(container.object ?? container.array);
  }

  /** A finished value goes into its container, or is the result. */
  #deliver(value: unknown): void {
    const top = this.#stack[this.#stack.length - 1];
    if (!top) {
      this.#done = true;
      this.#result = value;
    } else if (top.object) {
      if (Object.hasOwn(top.object, top.key)) {
        this.#pendingError = "JSON parse error, duplicate key";
        return;
      }
      // defineProperty: a "__proto__" key is an ordinary member, as JSON.parse makes it.
      Object.defineProperty(top.object, top.key, { value, writable: true, enumerable: true, configurable: true });
      top.expect = OBJ_NEXT;
    } else {
      (top.array as unknown[]).push(value);
      top.expect = ARR_NEXT;
    }
  }
}
