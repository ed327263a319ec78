/** Bounds on everything user-data can make the agent do before a single change is applied. */
export interface UserDataLimits {
  /** Bytes of user-data as received (after base64, before gzip). */
  input: number;
  /** Bytes produced by all gzip decompression together: a small bomb must not become gigabytes. */
  decompressed: number;
  /** Parts in all MIME multiparts together. */
  parts: number;
  /** multipart inside multipart, the outermost being depth 1. */
  depth: number;
}

export const USERDATA_LIMITS: UserDataLimits = {
  input: 16 << 20,
  decompressed: 16 << 20,
  parts: 256,
  depth: 5,
};
