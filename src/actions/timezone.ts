import { InputError } from "../errors.ts";
import type { Change } from "../plan/change.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import { bytesOfRead } from "./target-files.ts";
import type { Action } from "./types.ts";

const ZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
const ZONEINFO = "/usr/share/zoneinfo";
const ROOT = { user: "root", group: "root" };

/**
 * cloud-config `timezone`, per instance (cc_timezone). The zone must exist on the target: its
 * zoneinfo file is read, so a typo stops the boot instead of leaving UTC behind a success.
 *
 * /etc/localtime is a symlink on a running system (`ln -sfn`, what timedatectl would make, without
 * needing D-Bus this early in boot). Under --root no program runs against the image, and a symlink
 * is not a change a plan can make, so it becomes a copy of the zone file (cloud-init's own fallback;
 * timedatectl shows such a zone as "n/a" until it is set again). Debian and Alpine also keep the name in /etc/timezone.
 */
export const timezoneAction: Action = {
  name: "timezone",
  frequency: "per-instance",
  reads(inputs) {
    const tz = cloudConfigOf(inputs).config.timezone;
    return tz && ZONE.test(tz) ? [`${ZONEINFO}/${tz}`] : [];
  },
  plan(inputs, facts) {
    const view = cloudConfigOf(inputs);
    const tz = view.config.timezone;
    if (tz === undefined) return [];
    const refuse = (message: string): never => {
      throw new InputError(view.sourceOf("timezone"), [{ path: "timezone", message }]);
    };
    if (!ZONE.test(tz)) refuse(`expected a time zone name such as Europe/Paris, got ${JSON.stringify(tz)}`);
    const file = `${ZONEINFO}/${tz}`;
    const zone = facts.files[file];
    if (zone === undefined) refuse(`unknown time zone ${JSON.stringify(tz)}: the target has no ${file}`);
    if (!(zone as string).startsWith("TZif")) refuse(`${JSON.stringify(tz)}: ${file} is not a time zone file`);

    const reason = `timezone ${tz} from user-data`;
    const changes: Change[] = [];
    const family = facts.distro.means.family;
    if (family === "debian" || family === "alpine") changes.push({ kind: "write", path: "/etc/timezone", content: `${tz}\n`, mode: 0o644, owner: ROOT, reason });
    if (facts.offline) {
      changes.push({ kind: "write", path: "/etc/localtime", content: bytesOfRead(zone as string), mode: 0o644, owner: ROOT, reason: `${reason} (a copy of ${file}: no symlink is made under --root)` });
    } else {
      changes.push({ kind: "run", argv: ["ln", "-sfn", file, "/etc/localtime"], timeoutMs: 10_000, reason });
    }
    return changes;
  },
};
