import { describe, expect, test } from "bun:test";
import { InputError } from "../../../src/errors.ts";
import { windowsTargetPath } from "../../../src/os/windows/target-path.ts";
import { thrown } from "../../helpers/failure.ts";

const at = (raw: string) => windowsTargetPath(raw, "seed user-data", "write_files[0].path", { systemDrive: "C:" });

describe("Windows paths from data", () => {
  test("drive, slash and backslash forms all name the same file on the system drive", () => {
    for (const raw of ["C:\\Tether\\notes.txt", "c:/Tether/notes.txt", "\\Tether\\notes.txt", "/Tether//./notes.txt"]) expect(at(raw)).toBe("/Tether/notes.txt");
  });

  test("what would write elsewhere is refused, naming the field", () => {
    const cases: [string, string][] = [
      ["D:\\x.txt", "only the system drive C: is configured"],
      ["\\\\server\\share\\x", "UNC"],
      ["\\\\.\\PhysicalDrive0", "UNC or device"],
      ["Tether\\x.txt", "expected an absolute path"],
      ["C:x.txt", "expected an absolute path"],
      ["C:\\a\\..\\..\\x", '".."'],
      ["C:\\logs\\nul.txt", "device name"],
      ["C:\\COM1", "device name"],
      ["C:\\x.txt:stream", "< > :"],
      ["C:\\dir.\\x", "trailing dots"],
      ["C:\\x \\y", "trailing dots and spaces"],
      ["C:\\a\0b", "NUL"],
    ];
    for (const [raw, message] of cases) {
      const error = thrown(() => at(raw));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("write_files[0].path");
      expect(error.message).toContain(message);
    }
  });
});
