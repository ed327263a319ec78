import { InputError } from "../errors.ts";
import { bytesOfLatin1, latin1 } from "./base64.ts";

export type ScriptKind = "shell" | "boothook" | "ps1" | "ps1_sysnative" | "cmd" | "powershell";

export interface UserScript {
  kind: ScriptKind;
  /** The part's filename, else cloud-init's `part-NNN`. */
  name: string;
  content: Uint8Array;
}

/** cloud-init runs shell scripts and boothooks through dos2unix first; so do we, byte-safely. */
export function dos2unix(bytes: Uint8Array): Uint8Array {
  if (!bytes.includes(0x0d)) return bytes;
  return bytesOfLatin1(latin1(bytes).replace(/\r\n/g, "\n"));
}

/** A boothook loses its `#cloud-boothook` line and leading white space, as in cloud-init's handler. */
export function boothookContent(bytes: Uint8Array): Uint8Array {
  const text = latin1(dos2unix(bytes)).trimStart();
  return bytesOfLatin1(text.replace(/^#cloud-boothook/i, "").trimStart());
}

/** EC2's form: the script is what stands between <powershell> and </powershell>. */
export function powershellContent(bytes: Uint8Array, source: string, path: string): Uint8Array {
  const text = latin1(bytes);
  const match = /<powershell>([\s\S]*?)<\/powershell>/i.exec(text);
  if (!match) throw new InputError(source, [{ path, message: "<powershell> without a closing </powershell>" }]);
  return bytesOfLatin1(match[1] as string);
}
