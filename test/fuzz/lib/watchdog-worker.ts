/** The watchdog's side (see watchdog.ts): polls the shared slots and speaks once per stuck case. */
declare const self: Worker;

self.onmessage = (event: MessageEvent<{ shared: Int32Array; target: string; limitMs: number; reproduce: string }>) => {
  const { shared, target, limitMs, reproduce } = event.data;
  let seenGeneration = -1;
  let since = 0;
  let told = -1;
  setInterval(() => {
    const generation = Atomics.load(shared, 0);
    const running = Atomics.load(shared, 2) === 1;
    if (generation !== seenGeneration) {
      seenGeneration = generation;
      since = Date.now();
      return;
    }
    if (running && told !== generation && Date.now() - since > limitMs) {
      told = generation;
      const index = Atomics.load(shared, 1);
      console.error(`fuzz ${target}: case ${index} has run for over ${limitMs} ms and blocks the thread. Reproduce: ${reproduce.replace("FUZZ_CASE=-1", `FUZZ_CASE=${index}`)}`);
    }
  }, 250);
};
