import type { Platform } from "../host/types.ts";

/**
 * Whether downloaded bytes are a program this machine can start. An agent update that is an HTML
 * error page, a tarball, a library or another architecture's binary would pass a digest check (the
 * host computed the digest of whatever it meant to send) and then leave the service restarting a
 * file that cannot run: after the swap there is no agent left to take a better update.
 */

/** ELF e_machine for the architectures Node names. */
const ELF_MACHINE: Record<string, { machine: number; elfClass: 1 | 2 }> = {
  x64: { machine: 62, elfClass: 2 }, // EM_X86_64
  arm64: { machine: 183, elfClass: 2 }, // EM_AARCH64
  ia32: { machine: 3, elfClass: 1 }, // EM_386
  arm: { machine: 40, elfClass: 1 }, // EM_ARM
  riscv64: { machine: 243, elfClass: 2 }, // EM_RISCV
  ppc64: { machine: 21, elfClass: 2 }, // EM_PPC64
  s390x: { machine: 22, elfClass: 2 }, // EM_S390
};

/** PE COFF Machine for the architectures Node names. */
const PE_MACHINE: Record<string, number> = { x64: 0x8664, arm64: 0xaa64, ia32: 0x14c };

const ET_EXEC = 2;
const ET_DYN = 3; // position-independent executables, which is what Bun's binaries are
const IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
const IMAGE_FILE_DLL = 0x2000;

const head = (bytes: Uint8Array) =>
  Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ") || "nothing";

function elfProblem(bytes: Uint8Array, arch: string): string | null {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    return `not an ELF executable (it starts with ${head(bytes)})`;
  }
  const elfClass = bytes[4];
  const data = bytes[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2) || bytes[6] !== 1) return "a damaged ELF header (class, byte order or version)";
  if (elfClass === 2 && bytes.length < 64) return "a truncated ELF header";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = data === 1;
  const type = view.getUint16(16, little);
  if (type !== ET_EXEC && type !== ET_DYN) return `an ELF file of type ${type}, not an executable (2 or 3)`;
  const want = ELF_MACHINE[arch];
  if (!want) return null; // an architecture we have no table entry for: the header is all we can judge
  const machine = view.getUint16(18, little);
  if (machine !== want.machine || elfClass !== want.elfClass) return `an ELF executable for machine ${machine} (${elfClass === 2 ? 64 : 32}-bit), not for this ${arch} machine (${want.machine})`;
  return null;
}

function peProblem(bytes: Uint8Array, arch: string): string | null {
  if (bytes.length < 64 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return `not a Windows executable (it starts with ${head(bytes)}, not "MZ")`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pe = view.getUint32(0x3c, true);
  if (pe > bytes.length - 24 || view.getUint32(pe, false) !== 0x50450000) return 'an "MZ" file without a PE header (a DOS program or a damaged file)';
  const machine = view.getUint16(pe + 4, true);
  const characteristics = view.getUint16(pe + 22, true);
  if (!(characteristics & IMAGE_FILE_EXECUTABLE_IMAGE) || characteristics & IMAGE_FILE_DLL) return "a PE file that is not an executable (a DLL or an object file)";
  const want = PE_MACHINE[arch];
  if (want !== undefined && machine !== want) return `a PE executable for machine 0x${machine.toString(16)}, not for this ${arch} machine (0x${want.toString(16)})`;
  return null;
}

/** Why `bytes` cannot be this machine's agent, or null when they can: ELF on Linux, PE on Windows. */
export function executableProblem(bytes: Uint8Array, platform: Platform, arch: string): string | null {
  return platform === "win32" ? peProblem(bytes, arch) : elfProblem(bytes, arch);
}
