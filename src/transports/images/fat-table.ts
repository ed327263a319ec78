import type { BlockSource } from "./block-source.ts";
import { u16le, u32le } from "./byte-fields.ts";
import type { Fail } from "./fail.ts";
import type { FatGeometry } from "./fat-boot-sector.ts";
import { readExact } from "./read-exact.ts";

/** The FAT is read in pieces as chains need them: a large FAT32 volume's FAT can be hundreds of MiB. */
const PIECE_BYTES = 16 * 1024;
const MAX_CACHED_PIECES = 256;

/** The file allocation table: follows cluster chains, refusing loops, free and bad clusters. */
export class FatTable {
  private readonly pieces = new Map<number, Promise<Uint8Array>>();

  constructor(
    private readonly src: BlockSource,
    private readonly geometry: FatGeometry,
  ) {}

  /**
   * The chain from `first`, at most `limit` clusters: files stop when they have enough, directories
   * at their size bound. `needed` clusters must be there, or the file is cut short.
   */
  async chain(first: number, limit: number, inside: string, fail: Fail, needed = 0): Promise<number[]> {
    const clusters: number[] = [];
    const seen = new Set<number>();
    let cluster = first;
    while (clusters.length < limit) {
      if (cluster < 2 || cluster > this.geometry.maxCluster) {
        fail("FAT", `cluster chain from ${first} reaches cluster ${cluster}, outside the data clusters 2..${this.geometry.maxCluster}`);
      }
      if (seen.has(cluster)) fail("FAT", `cluster chain from ${first} loops back to cluster ${cluster}`);
      seen.add(cluster);
      clusters.push(cluster);
      const next = await this.entry(cluster, inside, fail);
      if (next === "end") break;
      if (next === "bad") fail("FAT", `cluster chain from ${first} runs into cluster ${cluster}, which is marked bad or free`);
      cluster = next;
    }
    if (clusters.length < needed) fail("FAT", `cluster chain from ${first} ends after ${clusters.length} clusters, but the file needs ${needed}`);
    return clusters;
  }

  private async entry(cluster: number, inside: string, fail: Fail): Promise<number | "end" | "bad"> {
    const { type } = this.geometry;
    const at = type === 12 ? cluster + (cluster >> 1) : cluster * (type / 8);
    const bytes = await this.bytes(at, type === 32 ? 4 : 2, inside, fail);
    let value = type === 32 ? u32le(bytes, 0) & 0x0fffffff : u16le(bytes, 0);
    if (type === 12) value = cluster & 1 ? value >> 4 : value & 0xfff;
    const endMark = type === 12 ? 0xff8 : type === 16 ? 0xfff8 : 0x0ffffff8;
    if (value >= endMark) return "end";
    // 0 is a free cluster and endMark - 1 a bad one: neither belongs in a chain.
    if (value === 0 || value === 1 || value === endMark - 1) return "bad";
    return value;
  }

  /** `length` bytes at `at` inside the first FAT, across a piece boundary when a FAT12 entry straddles one. */
  private async bytes(at: number, length: number, inside: string, fail: Fail): Promise<Uint8Array> {
    if (at + length > this.geometry.fatBytes) fail("FAT", `entry at byte ${at} lies past the end of the ${this.geometry.fatBytes}-byte FAT`);
    const index = Math.floor(at / PIECE_BYTES);
    const within = at - index * PIECE_BYTES;
    const piece = await this.piece(index, inside);
    if (within + length <= piece.length) return piece.subarray(within, within + length);
    const next = await this.piece(index + 1, inside);
    const out = new Uint8Array(length);
    out.set(piece.subarray(within));
    out.set(next.subarray(0, length - (piece.length - within)), piece.length - within);
    return out;
  }

  /** `inside` names the file being followed in errors; a piece read for one file may serve the next. */
  private piece(index: number, inside: string): Promise<Uint8Array> {
    let found = this.pieces.get(index);
    if (!found) {
      const start = index * PIECE_BYTES;
      const length = Math.min(PIECE_BYTES, this.geometry.fatBytes - start);
      found = readExact(this.src, this.geometry.fatOffset + start, length, { inside, structure: "FAT" });
      if (this.pieces.size >= MAX_CACHED_PIECES) this.pieces.clear();
      this.pieces.set(index, found);
      found.catch(() => this.pieces.delete(index));
    }
    return found;
  }
}
