import { InputError, type Problem } from "../errors.ts";
import { isRecord } from "../model/mapping.ts";
import { parseYaml } from "../parse/yaml.ts";
import { MAX_YAML_TOKENS, type YamlBudget } from "../parse/yaml-limits.ts";
import { decodeBase64, latin1 } from "./base64.ts";
import { typeFromStart, WINDOWS_TYPES } from "./detect.ts";
import { gunzipLimited, isGzip, type Budget } from "./gunzip.ts";
import { USERDATA_LIMITS, type UserDataLimits } from "./limits.ts";
import { mergeCloudConfig } from "./merge.ts";
import { looksLikeMime, parseMime, type MimePart } from "./mime.ts";
import { boothookContent, dos2unix, powershellContent, type ScriptKind, type UserScript } from "./scripts.ts";

export interface DecodedUserData {
  /** Every cloud-config part, merged in order (cloud-init's default merge); {} when there is none. */
  cloudConfig: Record<string, unknown>;
  scripts: UserScript[];
  /** What was skipped or is doubtful: never silent, never fatal. */
  warnings: string[];
}

export interface DecodeOptions {
  /** Names the data in every problem: a file path, a URL, `xenstore:vm-data/user-metadata`. */
  source: string;
  /** The source says the data is base64 (e.g. a metadata field marked so); decoded first. */
  base64?: boolean;
  limits?: Partial<UserDataLimits>;
}

/** Gzip's content-types, as cloud-init lists them (user_data.DECOMP_TYPES). */
const GZIP_TYPES = new Set([
  "application/gzip", "application/gzip-compressed", "application/gzipped", "application/x-compress",
  "application/x-compressed", "application/x-gunzip", "application/x-gzip", "application/x-gzip-compressed",
]);

/** Types whose payload decides what it is (cloud-init's TYPE_NEEDED, plus shell: it re-checks those too). */
const DETECTED = new Set(["text/plain", "text/x-not-multipart", "text/x-shellscript"]);

/** What Tether refuses rather than skips: each would run code or fetch data in ways not honoured here. */
const REFUSED: Record<string, string> = {
  "text/x-include-url": "#include (user-data fetched from URLs) is not supported: give the content itself",
  "text/x-include-once-url": "#include-once (user-data fetched from URLs) is not supported: give the content itself",
  "text/jinja2": "Jinja templates (## template: jinja) are not supported: render the template before giving it as user-data",
  "text/part-handler": "#part-handler (Python code run inside cloud-init) is not supported",
  "text/cloud-config-archive": "#cloud-config-archive is not supported: use MIME multipart",
  "text/cloud-config-jsonp": "#cloud-config-jsonp (JSON patch) is not supported: give the cloud-config itself",
  "text/x-shellscript-per-boot": "text/x-shellscript-per-boot parts are not supported: use bootcmd, or a plain text/x-shellscript",
  "text/x-shellscript-per-instance": "text/x-shellscript-per-instance parts are not supported: use a plain text/x-shellscript (it runs once per instance)",
  "text/x-shellscript-per-once": "text/x-shellscript-per-once parts are not supported",
};

const SCRIPT_TYPES: Record<string, ScriptKind> = {
  "text/x-shellscript": "shell",
  "text/cloud-boothook": "boothook",
  [WINDOWS_TYPES.ps1]: "ps1",
  [WINDOWS_TYPES.ps1_sysnative]: "ps1_sysnative",
  [WINDOWS_TYPES.cmd]: "cmd",
  [WINDOWS_TYPES.powershell]: "powershell",
};

interface Decoding {
  source: string;
  budget: Budget;
  /** YAML tokens left for all the cloud-config parts together: 256 parts must not cost 256 documents' worth. */
  yaml: YamlBudget;
  multipart: boolean;
  configs: Record<string, unknown>[];
  scripts: UserScript[];
  warnings: string[];
}

function utf8(bytes: Uint8Array, source: string, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new InputError(source, [{ path, message: "cloud-config is not valid UTF-8" }]);
  }
}

function readCloudConfig(body: Uint8Array, where: string, d: Decoding): void {
  let parsed: unknown;
  try {
    parsed = parseYaml(utf8(body, d.source, where), d.source, d.yaml);
  } catch (error) {
    // parseYaml names the line; within a multipart, the part is named too.
    if (error instanceof InputError && d.multipart) throw new InputError(d.source, error.problems.map((p) => ({ path: p.path ? `${where}: ${p.path}` : where, message: p.message })));
    throw error;
  }
  if (parsed === null || parsed === undefined) return;
  if (!isRecord(parsed)) throw new InputError(d.source, [{ path: d.multipart ? where : "", message: "expected a mapping of cloud-config keys" }]);
  for (const key of ["merge_how", "merge_type"]) {
    if (key in parsed) d.warnings.push(`${where}: ${key}: custom merging is not supported; cloud-init's default merge was used`);
  }
  const { merge_how: _how, merge_type: _type, ...config } = parsed;
  d.configs.push(config);
}

async function handlePart(part: MimePart, d: Decoding): Promise<void> {
  const name = part.filename ?? `part-${String(part.index).padStart(3, "0")}`;
  const where = d.multipart ? `${name} (${part.contentType})` : name;
  let type = part.contentType;
  let body = part.body;
  if (GZIP_TYPES.has(type) || isGzip(body)) {
    body = await gunzipLimited(body, d.budget, d.source, where);
    type = "text/x-not-multipart";
  }
  if (DETECTED.has(type)) type = typeFromStart(body) ?? type;
  if (type === "text/cloud-config") return readCloudConfig(body, where, d);
  const refused = REFUSED[type];
  if (refused) throw new InputError(d.source, [{ path: d.multipart ? where : "", message: refused }]);
  const kind = SCRIPT_TYPES[type];
  if (kind) {
    const content = kind === "shell" ? dos2unix(body) : kind === "boothook" ? boothookContent(body) : kind === "powershell" ? powershellContent(body, d.source, where) : body;
    d.scripts.push({ kind, name, content });
    return;
  }
  if (body.length === 0 || latin1(body.subarray(0, 4096)).trim() === "") return;
  const what = type === "text/x-not-multipart" || type === "text/plain" ? "content that is not #cloud-config, a #! script or MIME" : `content-type ${type}`;
  d.warnings.push(`${where}: ${what}: not understood, ignored`);
}

/**
 * Decodes user-data as cloud-init does (user_data.UserDataProcessor): base64 when the source says
 * so, gzip by its magic bytes, MIME multipart when a MIME-Version header is present, else one
 * part typed by its first line. Every size is bounded; every refusal names the part.
 */
export async function decodeUserData(data: Uint8Array, options: DecodeOptions): Promise<DecodedUserData> {
  const limits = { ...USERDATA_LIMITS, ...options.limits };
  const source = options.source;
  const tooBig = (what: string) => new InputError(source, [{ path: "", message: `${what} is larger than the limit of ${limits.input} bytes: refused` }]);
  let bytes = data;
  if (options.base64) {
    if (bytes.length > Math.ceil((limits.input * 4) / 3) + 4096) throw tooBig("user-data (base64)");
    bytes = decodeBase64(latin1(bytes), source);
  }
  if (bytes.length > limits.input) throw tooBig("user-data");
  const d: Decoding = { source, budget: { remaining: limits.decompressed }, yaml: { tokens: MAX_YAML_TOKENS }, multipart: false, configs: [], scripts: [], warnings: [] };
  if (isGzip(bytes)) bytes = await gunzipLimited(bytes, d.budget, source);
  const parts: MimePart[] = looksLikeMime(bytes) ? parseMime(bytes, source, limits, d.warnings) : [{ contentType: "text/x-not-multipart", body: bytes, index: 1 }];
  d.multipart = parts.length > 1 || looksLikeMime(bytes);
  const problems: Problem[] = [];
  for (const part of parts) {
    try {
      await handlePart(part, d);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length) throw new InputError(source, problems);
  return { cloudConfig: d.configs.reduce(mergeCloudConfig, {}), scripts: d.scripts, warnings: d.warnings };
}
