/**
 * Runs a program and prints its peak resident memory as the last line of stderr ("peak-rss: N").
 *
 * Measured from here, not from the test: Linux keeps a process's maxrss across exec, and a child
 * spawned by a big test process starts with the test's own high-water mark. Spawned from this
 * small wrapper, the program's maxrss is its own.
 */
const [program, ...args] = process.argv.slice(2);
if (!program) throw new Error("usage: bun peak-rss.ts PROGRAM [ARGS…]");
const child = Bun.spawn([program, ...args], { stdin: "ignore", stdout: "inherit", stderr: "inherit" });
const code = await child.exited;
process.stderr.write(`peak-rss: ${child.resourceUsage()?.maxRSS ?? -1}\n`);
process.exit(code);
export {};
