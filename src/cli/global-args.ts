import type { ArgsDef } from "citty";

/** Flags every command takes, before or after the command's name. */
export const globalArgs = {
  root: {
    type: "string",
    valueHint: "DIR",
    description: "Read and write under DIR instead of / (a mounted image, a test tree). Default: /",
  },
  json: {
    type: "boolean",
    description: "Machine-readable: the result as JSON on stdout, logs as JSON lines on stderr",
  },
  "log-level": {
    type: "string",
    valueHint: "LEVEL",
    description: "silent, error, warn, info, debug or trace. Default: $TETHER_LOG_LEVEL, else info",
  },
} as const satisfies ArgsDef;
