/**
 * Byte mutations of valid seeds: flips, inserts, deletes, splices with other seeds, truncation,
 * repetition, and the bytes parsers trip on (NUL, invalid UTF-8, numbers at their limits). Small
 * edits are far more likely than large ones: most of a mutated seed should still look like the
 * format, so the parser gets past its first check.
 */
import type { Rng } from "./prng.ts";

const encoder = new TextEncoder();

/** Bytes that are structure in one format or another. */
export const INTERESTING_BYTES = [
  0x00, 0x01, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x23, 0x26, 0x27, 0x2a, 0x2c, 0x2d, 0x2f, 0x3a, 0x3d, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xfe, 0xff,
];

/** Never valid UTF-8: a lone continuation, an overlong NUL, a surrogate, a 5-byte form, 0xFF, a cut sequence. */
export const INVALID_UTF8: readonly number[][] = [[0x80], [0xc3, 0x28], [0xc0, 0x80], [0xe2, 0x28, 0xa1], [0xed, 0xa0, 0x80], [0xf0, 0x28, 0x8c, 0xbc], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0xfe, 0xff], [0xe2, 0x82]];

/** Numbers at the edges, as text: past a double, past 2^53, -0, NaN-like words, other bases. */
export const LIMIT_NUMBERS = [
  "1e309", "-1e309", "1e-400", "-0", "-0.0", "9007199254740993", "-9007199254740993", "18446744073709551616", "4294967296", "4294967295",
  "2147483648", "-2147483649", "65536", "65535", "4095", "4096", "4097", "NaN", "Infinity", "-Infinity", "0x10", "0o17", "017", "1_000", "1.5",
  "-1", "0", "00", "0e0", ".5", "5.", "+1", `1${"0".repeat(400)}`, "1e", "--1", "0.1e+", "1:20:30",
];

export interface MutationContext {
  /** Other valid inputs of the format, for splices. */
  others: readonly Uint8Array[];
  /** Words of the format (keys, type names, markers), inserted whole. */
  dictionary: readonly string[];
  /** Output longer than this is cut back: keeps repetition from making gigabytes. */
  maxBytes: number;
}

type Mutator = (rng: Rng, data: Uint8Array, ctx: MutationContext) => Uint8Array;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const at = (rng: Rng, data: Uint8Array) => rng.int(data.length + 1);
const span = (rng: Rng, data: Uint8Array) => {
  const from = rng.int(data.length);
  return [from, Math.min(data.length, from + 1 + rng.small(64))] as const;
};
const insertAt = (data: Uint8Array, where: number, piece: Uint8Array) => concat(data.subarray(0, where), piece, data.subarray(where));

/** A run of name-like characters around a position: what a dictionary word replaces. */
function wordAround(data: Uint8Array, where: number): [number, number] {
  const isWord = (b: number | undefined) => b !== undefined && (b === 0x2d || b === 0x5f || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
  let from = where;
  let to = where;
  while (from > 0 && isWord(data[from - 1])) from--;
  while (to < data.length && isWord(data[to])) to++;
  return [from, to];
}

function interestingPiece(rng: Rng, ctx: MutationContext): Uint8Array {
  return rng.weighted<() => Uint8Array>([
    [3, () => new Uint8Array([rng.pick(INTERESTING_BYTES)])],
    [2, () => new Uint8Array(rng.pick(INVALID_UTF8))],
    [3, () => encoder.encode(rng.pick(LIMIT_NUMBERS))],
    [ctx.dictionary.length ? 4 : 0, () => encoder.encode(rng.pick(ctx.dictionary))],
    [1, () => new Uint8Array(rng.range(1, 8))],
  ])();
}

const MUTATORS: readonly (readonly [number, Mutator])[] = [
  [3, (rng, d) => {
    if (!d.length) return d;
    const out = d.slice();
    out[rng.int(d.length)]! ^= 1 << rng.int(8);
    return out;
  }],
  [3, (rng, d) => {
    if (!d.length) return d;
    const out = d.slice();
    out[rng.int(d.length)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
    return out;
  }],
  [3, (rng, d, ctx) => insertAt(d, at(rng, d), interestingPiece(rng, ctx))],
  [1, (rng, d) => insertAt(d, at(rng, d), rng.bytes(1 + rng.small(32)))],
  [3, (rng, d) => {
    if (!d.length) return d;
    const [from, to] = span(rng, d);
    return concat(d.subarray(0, from), d.subarray(to));
  }],
  // Duplicate a piece somewhere else (a repeated key, an extra element).
  [2, (rng, d) => {
    if (!d.length) return d;
    const [from, to] = span(rng, d);
    return insertAt(d, at(rng, d), d.slice(from, to));
  }],
  // Repetition: one piece many times in place.
  [1, (rng, d, ctx) => {
    if (!d.length) return d;
    const [from, to] = span(rng, d);
    const piece = d.subarray(from, to);
    const times = Math.min(1 + rng.small(4096), Math.floor(ctx.maxBytes / Math.max(1, piece.length)));
    const repeated = new Uint8Array(piece.length * times);
    for (let i = 0; i < times; i++) repeated.set(piece, i * piece.length);
    return concat(d.subarray(0, from), repeated, d.subarray(from));
  }],
  // Splice: this seed's head with another's tail, or a piece of another inserted.
  [2, (rng, d, ctx) => {
    if (!ctx.others.length) return d;
    const other = rng.pick(ctx.others);
    if (rng.chance(0.5)) return concat(d.subarray(0, at(rng, d)), other.subarray(at(rng, other)));
    if (!other.length) return d;
    const [from, to] = span(rng, other);
    return insertAt(d, at(rng, d), other.subarray(from, to));
  }],
  [1, (rng, d) => d.subarray(0, at(rng, d))],
  // A word replaced by a word of the format: a key becomes another key, a type another type.
  [3, (rng, d, ctx) => {
    if (!d.length || !ctx.dictionary.length) return d;
    const [from, to] = wordAround(d, rng.int(d.length));
    return concat(d.subarray(0, from), encoder.encode(rng.pick(ctx.dictionary)), d.subarray(to));
  }],
  // A number replaced by one at a limit.
  [2, (rng, d) => {
    const text = Buffer.from(d).toString("latin1");
    const numbers = [...text.matchAll(/-?\d+(?:\.\d+)?/g)];
    if (!numbers.length) return d;
    const m = rng.pick(numbers);
    return concat(d.subarray(0, m.index), encoder.encode(rng.pick(LIMIT_NUMBERS)), d.subarray(m.index + m[0].length));
  }],
  // Two pieces swapped.
  [1, (rng, d) => {
    if (d.length < 4) return d;
    const [a1, a2] = span(rng, d);
    const [b1, b2] = span(rng, d);
    if (a2 > b1 && b2 > a1) return d;
    const [x1, x2, y1, y2] = a1 < b1 ? [a1, a2, b1, b2] : [b1, b2, a1, a2];
    return concat(d.subarray(0, x1), d.subarray(y1, y2), d.subarray(x2, y1), d.subarray(x1, x2), d.subarray(y2));
  }],
];

/** One to a few mutations of `seed`. */
export function mutateBytes(rng: Rng, seed: Uint8Array, ctx: MutationContext): Uint8Array {
  let data = seed;
  const rounds = 1 + rng.small(7);
  for (let i = 0; i < rounds; i++) {
    data = rng.weighted(MUTATORS)(rng, data, ctx);
    if (data.length > ctx.maxBytes) data = data.subarray(0, ctx.maxBytes);
  }
  return data;
}

/** `data` cut into random chunks, for stream parsers: the same bytes must mean the same whatever the cuts. */
export function chunks(rng: Rng, data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  // Byte-by-byte cuts of a megabyte cost seconds and find nothing small cuts do not.
  const style = data.length > 64 << 10 ? 2 + rng.int(2) : rng.int(4);
  for (let i = 0; i < data.length; ) {
    const size = style === 0 ? 1 : style === 1 ? 1 + rng.int(8) : style === 2 ? 1 + rng.small(4096) : data.length;
    out.push(data.slice(i, i + size));
    i += size;
  }
  return out;
}

export const utf8Bytes = (text: string) => encoder.encode(text);
