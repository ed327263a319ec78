import { parseCloudConfig, type CloudConfig } from "../model/cloud-config/index.ts";
import { decodeUserData, type DecodeOptions } from "./decode-user-data.ts";
import type { UserScript } from "./scripts.ts";
import { decodeWriteFiles } from "./write-file-content.ts";

export interface UserData {
  config: CloudConfig;
  scripts: UserScript[];
  /** config.write_files' contents, decoded and bounded, index for index. */
  writeFileContents: Uint8Array[];
  warnings: string[];
}

/** The whole way from bytes to checked user-data: decoded, validated, every file's content decodable. */
export async function readUserData(data: Uint8Array, options: DecodeOptions): Promise<UserData> {
  const decoded = await decodeUserData(data, options);
  const { config, warnings } = parseCloudConfig(decoded.cloudConfig, options.source);
  const writeFileContents = await decodeWriteFiles(config.write_files, options.source);
  return { config, scripts: decoded.scripts, writeFileContents, warnings: [...decoded.warnings, ...warnings] };
}
