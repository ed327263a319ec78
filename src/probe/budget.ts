/** A signal that aborts at the probe's deadline or after `ms`, whichever comes first. */
export function within(signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, ms))]);
}

/** Resolves with the body's value, or with `onTimeout()` once the signal aborts: a stuck device or a
 * silent server must not hold the probe past its budget. */
export function raceSignal<T>(signal: AbortSignal, body: Promise<T>, onTimeout: () => T): Promise<T> {
  if (signal.aborted) return Promise.resolve(onTimeout());
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(onTimeout());
    signal.addEventListener("abort", onAbort, { once: true });
    body.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
