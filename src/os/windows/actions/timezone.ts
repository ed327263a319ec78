import { cloudConfigOf } from "../../../actions/cloud-config-of.ts";
import type { BootInputs } from "../../../actions/inputs.ts";
import type { Action } from "../../../actions/types.ts";
import { InputError } from "../../../errors.ts";
import type { WindowsFacts } from "../windows-facts.ts";
import { WINDOWS_ZONES } from "../windows-zones.ts";

/**
 * Any IANA name CLDR puts in a Windows zone, and every Windows id itself (an image built for Windows
 * may say "Romance Standard Time" directly), lower-cased: Windows ids are registry key names, which
 * ignore case, and no two tz names differ by case alone (the generator checks both).
 */
const ZONE_BY_NAME: ReadonlyMap<string, string> = new Map(
  Object.entries(WINDOWS_ZONES).flatMap(([id, names]) => [id, ...names.split(" ")].map((n) => [n.toLowerCase(), id] as const)),
);

/** The Windows time zone id for a cloud-config `timezone`, or undefined when there is none. */
export function windowsZoneOf(name: string): string | undefined {
  return ZONE_BY_NAME.get(name.toLowerCase());
}

/** The zone asked for, and its Windows id: undefined when the name has none (plan refuses it). */
function wanted(inputs: BootInputs): { tz: string; id: string | undefined; source: string } | undefined {
  const view = cloudConfigOf(inputs);
  const tz = view.config.timezone;
  return tz === undefined ? undefined : { tz, id: windowsZoneOf(tz), source: view.sourceOf("timezone") };
}

/**
 * cloud-config `timezone`, per instance as on Linux, by tzutil: it sets the zone and tells running
 * programs, with nothing to restart. The name is checked offline too, so a typo stops the image's
 * preparation rather than its first boot; but the zone is the running system's setting (the
 * registry of a live Windows), so under --root it is left for that first boot.
 */
export const windowsTimezoneAction: Action<WindowsFacts> = {
  name: "timezone",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const zone = wanted(inputs);
    if (!zone) return [];
    const { tz, id } = zone;
    if (id === undefined) {
      throw new InputError(zone.source, [{ path: "timezone", message: `unknown time zone ${JSON.stringify(tz)}: expected an IANA name such as Europe/Paris or a Windows time zone id such as "Romance Standard Time"` }]);
    }
    if (facts.offline || facts.timezone?.toLowerCase() === id.toLowerCase()) return [];
    return [{ kind: "run", argv: ["tzutil.exe", "/s", id], timeoutMs: 30_000, reason: `timezone ${id}${tz === id ? "" : ` (${tz})`} from user-data` }];
  },
  notes(inputs, facts) {
    const zone = wanted(inputs);
    if (!zone?.id || !facts.offline) return [];
    return [`timezone: ${zone.id} is set at the image's first boot (a time zone is the running system's setting)`];
  },
};
