/**
 * A unified diff of two texts, written here rather than taken from a library: it is small, the
 * agent ships as one file, and the output must follow exactly what patch(1) accepts (checked in the
 * tests by applying it with the real patch).
 */

export interface UnifiedDiffOptions {
  oldLabel: string;
  newLabel: string;
  /** Lines of context around each change. */
  context?: number;
}

interface Line {
  text: string;
  /** The last line of a text that does not end in a newline: it differs from the same text with one. */
  eol: boolean;
}

type Op = { kind: " " | "-" | "+"; line: Line };

function splitLines(text: string): Line[] {
  if (text === "") return [];
  const parts = text.split("\n");
  const last = parts.pop() as string;
  const out = parts.map((p) => ({ text: p, eol: true }));
  if (last !== "") out.push({ text: last, eol: false });
  return out;
}

const same = (a: Line, b: Line) => a.text === b.text && a.eol === b.eol;

/** Beyond this many differences the search stops and the middle is shown replaced whole. */
const MAX_EDIT_DISTANCE = 2000;

/**
 * Myers' O(ND) shortest edit script on the lines between a common prefix and suffix (which are
 * stripped first: config files usually change in a few places).
 */
function editScript(a: Line[], b: Line[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && same(a[pre] as Line, b[pre] as Line)) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && same(a[a.length - 1 - suf] as Line, b[b.length - 1 - suf] as Line)) suf++;
  const head: Op[] = a.slice(0, pre).map((line) => ({ kind: " ", line }));
  const tail: Op[] = a.slice(a.length - suf).map((line) => ({ kind: " ", line }));
  return [...head, ...middle(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf)), ...tail];
}

function middle(a: Line[], b: Line[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // Only the diagonals reachable at each d are kept (O(D²) memory, not O(D·(N+M))).
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, MAX_EDIT_DISTANCE) && found < 0; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && same(a[x] as Line, b[y] as Line)) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return [...a.map((line): Op => ({ kind: "-", line })), ...b.map((line): Op => ({ kind: "+", line }))];

  // Walk the trace backwards from (n, m), one edit per d.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const at = (k: number) => vd[k + d] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX + (down ? 0 : 1) && y > prevY + (down ? 1 : 0)) {
      y--;
      ops.push({ kind: " ", line: a[--x] as Line });
    }
    if (down) ops.push({ kind: "+", line: b[--y] as Line });
    else ops.push({ kind: "-", line: a[--x] as Line });
  }
  while (x > 0 && y > 0) {
    y--;
    ops.push({ kind: " ", line: a[--x] as Line });
  }
  return ops.reverse();
}

function range(start: number, count: number): string {
  // GNU convention: an empty range names the line before it; a one-line range has no count.
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/**
 * The unified diff from `oldText` to `newText` with `---`/`+++` labels and `@@` hunks, or "" when
 * they are equal. Every line ends in "\n"; a side without a final newline says so the way diff does.
 */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  const context = options.context ?? 3;
  const ops = editScript(splitLines(oldText), splitLines(newText));
  const changed = ops.map((op, i) => (op.kind === " " ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return "";

  // Group changes whose context windows touch into one hunk.
  const groups: [number, number][] = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else groups.push([i, i]);
  }

  // Line numbers (0-based) on each side before every op.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let nn = 0;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(nn);
    if (op.kind !== "+") o++;
    if (op.kind !== "-") nn++;
  }

  let out = `--- ${options.oldLabel}\n+++ ${options.newLabel}\n`;
  for (const [first, last] of groups) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((op) => op.kind !== "+").length;
    const newCount = slice.filter((op) => op.kind !== "-").length;
    out += `@@ -${range(oldAt[from] as number, oldCount)} +${range(newAt[from] as number, newCount)} @@\n`;
    for (const op of slice) {
      out += `${op.kind}${op.line.text}\n`;
      if (!op.line.eol) out += "\\ No newline at end of file\n";
    }
  }
  return out;
}
