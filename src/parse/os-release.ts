/**
 * One shell word, as sh reads an assignment's value: unquoted text ends at the first unquoted
 * blank or ";" and a backslash takes the next character literally; '…' is literal; in "…" a
 * backslash escapes only $ ` " \ (otherwise it stays). Adjacent pieces join ("a"b'c' is abc).
 * Nothing is expanded ($VAR stays as written: os-release(5) forbids expansions). A quote left
 * open makes it null.
 */
export function shellWord(text: string): string | null {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === ";" || c === "\n" || c === "\r") break;
    if (c === "\\") {
      if (i + 1 < text.length) out += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return null;
      out += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length && '$`"\\'.includes(text[i + 1] as string)) i++;
        out += text[i];
        i++;
      }
      if (i >= text.length) return null;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * os-release(5): KEY=value lines, the value read as a shell word; the last assignment of a key
 * wins. As qemu-ga (which reads the file as a GLib key file) blanks and "#" lines are skipped, and
 * blanks around the "=" and before the line are allowed. Unlike qemu-ga, a line that is not
 * KEY=value is skipped rather than discarding the whole file. Boot's distro detection and QGA's
 * guest-get-osinfo read the file alike.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^[ \t\r\f\v]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trimEnd();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    // A quote left open is no value: the line is skipped rather than guessed at.
    const value = shellWord(line.slice(eq + 1).replace(/^[ \t\f\v]+/, ""));
    if (value !== null) values[key] = value;
  }
  return values;
}
