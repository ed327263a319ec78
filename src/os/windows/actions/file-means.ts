import type { FileMeans } from "../../../actions/write-files.ts";
import type { InjectMeans } from "../../../actions/injected-files.ts";
import { windowsTargetPath } from "../target-path.ts";
import type { WindowsFacts } from "../windows-facts.ts";

/**
 * Files on Windows: drive-letter paths mapped onto the system drive, and no owners (a user:group of
 * the cloud-config means nothing to NTFS; a new file inherits its directory's ACL).
 */
export const WINDOWS_FILES: FileMeans<WindowsFacts> & InjectMeans<WindowsFacts> = {
  path: (raw, source, field, facts) => windowsTargetPath(raw, source, field, facts),
  owner: () => undefined,
};
