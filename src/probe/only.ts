import type { TransportName } from "../model/transport-names.ts";
import type { Detector } from "./types.ts";

/** With `--transport NAME`, only the detectors that speak of NAME run: nothing else is contacted. */
export function detectorsFor(detectors: readonly Detector[], only: TransportName | undefined): Detector[] {
  return only ? detectors.filter((d) => d.transports.includes(only)) : [...detectors];
}
