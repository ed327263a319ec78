import type { DevXenstoredOptions } from "./server.ts";

export const USAGE = `Usage: bun scripts/dev-xenstored.ts --socket HOST_SOCK --guest-socket GUEST_SOCK --domid N [--quirk-req-id] [--no-watch]

An in-memory xenstored for development and tests: no hypervisor, two unix sockets.

  --socket PATH        unix socket for dom0 clients: relative paths resolve under /local/domain/0,
                       any path may be read and written (point XENSTORED_PATH here)
  --guest-socket PATH  unix socket for the guest, domain N: relative paths resolve under
                       /local/domain/N; absolute paths outside it are refused with EACCES
  --domid N            the guest's domain id (1..32751); its home, data/, name and vm are created
  --quirk-req-id       answer every request with req_id 0 and send watch events with a stale
                       req_id, as old kernels' xenbus device did
  --no-watch           refuse WATCH with ENOSYS, for testing a client's polling fallback
  -h, --help           print this help and exit

Serves until SIGINT or SIGTERM, then removes both socket files and exits 0.
Bad arguments exit 2.`;

export type ParsedArgs = { help: true } | { help: false; options: DevXenstoredOptions };

export class UsageError extends Error {}

const VALUED = { "--socket": "socket", "--guest-socket": "guestSocket", "--domid": "domid" } as const;
const SWITCHES = { "--quirk-req-id": "quirkReqId", "--no-watch": "noWatch" } as const;

/** Flags as `--flag value` or `--flag=value`; each at most once. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values: Partial<Record<(typeof VALUED)[keyof typeof VALUED], string>> = {};
  const switches: Partial<Record<(typeof SWITCHES)[keyof typeof SWITCHES], true>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return { help: true };
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag in VALUED) {
      const key = VALUED[flag as keyof typeof VALUED];
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${flag} needs a value`);
      if (key in values) throw new UsageError(`${flag} given twice`);
      values[key] = value;
    } else if (arg in SWITCHES) {
      switches[SWITCHES[arg as keyof typeof SWITCHES]] = true;
    } else {
      throw new UsageError(`unknown argument: ${arg}`);
    }
  }
  if (!values.socket) throw new UsageError("--socket is required");
  if (!values.guestSocket) throw new UsageError("--guest-socket is required");
  if (!values.domid) throw new UsageError("--domid is required");
  if (!/^\d+$/.test(values.domid) || Number(values.domid) < 1 || Number(values.domid) > 0x7fef) throw new UsageError(`--domid must be a number 1..32751, not ${values.domid}`);
  if (values.socket === values.guestSocket) throw new UsageError("--socket and --guest-socket must differ");
  return {
    help: false,
    options: { socket: values.socket, guestSocket: values.guestSocket, domid: Number(values.domid), quirkReqId: switches.quirkReqId ?? false, noWatch: switches.noWatch ?? false },
  };
}
