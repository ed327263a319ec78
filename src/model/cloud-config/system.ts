import * as v from "valibot";
import { isHostname } from "../hostname.ts";
import { describe, expected, objectMessage } from "./describe.ts";
import { Bool, byKind, NonEmpty, Str, StrList, unique } from "./scalars.ts";

export const Hostname = v.pipe(Str, v.check(isHostname, expected("a host name (letters, digits, inner hyphens; dot-separated labels of 1-63)")));

/** true/false, or "localhost" (only the 127.0.1.1 line); "template" is cloud-init's old word for true. */
export const ManageEtcHosts = v.pipe(
  v.union([v.boolean(), v.picklist(["localhost", "template"])], expected('true, false or "localhost"')),
  v.transform((m) => (m === "template" ? true : m)),
);

/** A zone name as under /usr/share/zoneinfo: it becomes a path there, so nothing that could leave it. */
export const Timezone = v.pipe(
  NonEmpty,
  // An IANA name, or a Windows zone id ("W. Europe Standard Time", "UTC+12"), which Windows images'
  // cloud-configs give; each OS's timezone action then checks it against the zones it knows.
  v.check((tz) => /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(tz) || /^[A-Za-z][A-Za-z0-9 .()+-]{0,79}$/.test(tz), expected("a time zone name such as Europe/Paris, Etc/UTC or Pacific Standard Time")),
);

export interface NtpConfig {
  servers: string[];
  pools: string[];
}

/** ntp: present (even empty) means "configure NTP"; servers and pools default to the distro's. */
export const Ntp = v.pipe(
  byKind(
    {
      null: v.null(),
      mapping: v.object({ servers: v.optional(unique(v.array(Hostname, expected("a list of host names")))), pools: v.optional(unique(v.array(Hostname, expected("a list of host names")))) }),
    },
    expected("a mapping with servers and/or pools"),
  ),
  v.transform((ntp): NtpConfig => ({ servers: ntp?.servers ?? [], pools: ntp?.pools ?? [] })),
);

export const CaCerts = v.object({ trusted: v.optional(StrList, []) }, objectMessage);

export interface Package {
  name: string;
  /** As the distro's package manager spells it (apt: `name=version`). */
  version?: string;
}

/** packages: names, or [name, version] pairs. */
export const Packages = v.array(
  byKind(
    {
      string: v.pipe(NonEmpty, v.transform((name): Package => ({ name }))),
      list: v.pipe(
        v.array(v.pipe(v.union([v.string(), v.number()], expected("a package name or version")), v.transform(String))),
        v.check((pair) => pair.length === 2 && pair[0] !== "", expected("a [name, version] pair")),
        v.transform(([name, version]): Package => ({ name: name as string, version: version as string })),
      ),
    },
    expected("a package name or a [name, version] pair"),
  ),
  expected("a list of packages"),
);

/** growpart mode: `false` is cloud-init's old spelling of "off". */
export const Growpart = v.object(
  {
    mode: v.optional(v.pipe(v.union([v.picklist(["auto", "growpart", "gpart", "off"]), v.literal(false)], expected('"auto", "growpart", "gpart" or "off"')), v.transform((m) => (m === false ? "off" : m))), "auto"),
    devices: v.optional(StrList, ["/"]),
    ignore_growroot_disabled: v.optional(Bool, false),
  },
  objectMessage,
);

export const ResizeRootfs = v.union([v.boolean(), v.literal("noblock")], expected('true, false or "noblock"'));

export interface PowerState {
  mode: "poweroff" | "reboot" | "halt";
  /** Minutes; 0 is now. */
  delay: number;
  message?: string;
  /** Seconds to wait for cloud-init's (here: the agent's) work to end before acting anyway. */
  timeout: number;
  /** true: always; false: never; a string runs in a shell, a list as argv; act only if it exits 0. */
  condition: boolean | string | string[];
}

/** delay: minutes as a number, "+N" (cloud-init's old form) or "now". */
const Delay = v.pipe(
  v.union([v.pipe(v.number(), v.integer(expected("whole minutes")), v.minValue(0, expected("0 or more minutes"))), v.pipe(v.string(), v.regex(/^(now|\+?\d+)$/, expected('minutes (0 or more), "+N" or "now"')))], expected('minutes (0 or more), "+N" or "now"')),
  v.transform((d) => (d === "now" ? 0 : Number(d))),
);

export const PowerStateSchema = v.object(
  {
    mode: v.picklist(["poweroff", "reboot", "halt"], (issue) => (issue.input === undefined ? "required" : `expected "poweroff", "reboot" or "halt", got ${describe(issue.input)}`)),
    delay: v.optional(Delay, 0),
    message: v.optional(Str),
    timeout: v.optional(v.pipe(v.number(expected("seconds")), v.integer(expected("whole seconds")), v.minValue(0, expected("0 or more seconds"))), 30),
    condition: v.optional(byKind({ boolean: v.boolean(), string: Str, list: StrList }, expected("true, false, a command string or a list of arguments")), true),
  },
  objectMessage,
);
