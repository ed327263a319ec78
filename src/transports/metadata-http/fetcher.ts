import { HostError, InputError } from "../../errors.ts";
import type { Host } from "../../host/types.ts";
import { readBounded } from "../read-bounded.ts";

/**
 * How hard to try one request. The budget (below) is what bounds the whole read; these numbers only
 * shape the tries inside it.
 */
export interface RetryPolicy {
  /** Longest one try may take, connect to last byte; cut to what remains of the budget. */
  timeoutMs: number;
  /** Further tries after the first, for connection errors, timeouts and 5xx answers only. */
  retries: number;
  /** Backoff before retry n (from 0): full jitter, random() × min(maxDelayMs, baseDelayMs × 2^n). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** [0, 1); injectable so tests are deterministic. */
  random: () => number;
}

/**
 * OpenStack's metadata API may take seconds for its first answer (nova assembles the instance's
 * data behind the neutron proxy): a short timeout would abandon work that was about to succeed and
 * start it again. A few retries cover a proxy restarting; the backoff stays under two seconds.
 */
export const DEFAULT_POLICY: RetryPolicy = { timeoutMs: 5000, retries: 4, baseDelayMs: 200, maxDelayMs: 2000, random: Math.random };

export interface Budget {
  /** The whole read, every try and every backoff: nothing starts after it, nothing outlives it. */
  budgetMs: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
}

export interface RequestOptions {
  method?: "GET" | "PUT";
  headers?: Record<string, string>;
  /** A larger body is an InputError naming the URL; the rest of it is never read. */
  maxBytes: number;
  /** What the answer should be, for error messages: "the instance id". */
  expect: string;
  /** Overrides of the policy for this request (the EC2 token PUT tries briefly). */
  timeoutMs?: number;
  retries?: number;
}

/** A final answer: any status but a 5xx (those are retried, then become a HostError). */
export interface Answer {
  status: number;
  body: Uint8Array;
}

export interface MetadataFetcher {
  /** The service's base URL, without a trailing slash. */
  readonly baseUrl: string;
  url(path: string): string;
  /** The answer, whatever its status; the caller judges it. */
  request(path: string, options: RequestOptions): Promise<Answer>;
  /** 200 → the body; 404 → undefined (absent, not an error); any other status → HostError. */
  get(path: string, options: RequestOptions): Promise<Uint8Array | undefined>;
  /** True once the budget is spent or the caller cancelled. */
  readonly stopped: boolean;
}

/** A try that got no usable answer (no connection, no answer in time, a body cut off): worth another. */
class TryFailed extends Error {
  /** The try was stopped by the budget (its own timeout had been cut to what remained): no other try. */
  budgetSpent = false;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string" && code) return code;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * A monotonic clock: the wall clock (host.now) may be stepped by NTP during boot, exactly when
 * this runs, and a step must not stretch or cut the budget.
 */
const monotonic = () => performance.now();

/** An HTTP client for the metadata service over host.http: bounded tries, bounded bodies, one budget. */
export function createFetcher(host: Host, baseUrl: string, budget: Budget, policy: Partial<RetryPolicy> = {}): MetadataFetcher {
  const p: RetryPolicy = { ...DEFAULT_POLICY, ...policy };
  const log = host.log.withTag("metadata-http");
  const base = baseUrl.replace(/\/+$/, "");
  const deadline = monotonic() + budget.budgetMs;
  const budgetSignal = AbortSignal.any([AbortSignal.timeout(budget.budgetMs), ...(budget.signal ? [budget.signal] : [])]);
  const remaining = () => deadline - monotonic();
  const stopped = () => budgetSignal.aborted || remaining() <= 0;
  const url = (path: string) => `${base}${path.startsWith("/") ? path : `/${path}`}`;

  async function once(target: string, options: RequestOptions, timeoutMs: number): Promise<Answer> {
    const ms = Math.max(1, Math.floor(Math.min(timeoutMs, remaining())));
    const timer = AbortSignal.timeout(ms);
    const signal = AbortSignal.any([budgetSignal, timer]);
    const failed = (error: unknown) => {
      const failure = new TryFailed(timer.aborted ? `no answer within ${ms} ms` : budgetSignal.aborted ? "cut short" : `connection error: ${causeOf(error)}`);
      failure.budgetSpent = budgetSignal.aborted || (timer.aborted && ms < timeoutMs);
      return failure;
    };
    let response: { status: number; headers: Headers; _data?: ReadableStream<Uint8Array> };
    try {
      response = await host.http.raw(target, {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        signal,
        retry: 0,
        // A metadata answer never moves: following a redirect would let it send us anywhere.
        redirect: "manual",
        ignoreResponseError: true,
        responseType: "stream",
      });
    } catch (error) {
      throw failed(error);
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > options.maxBytes) {
      void response._data?.cancel().catch(() => {});
      throw new InputError(target, [{ path: "", message: `the answer is ${declared} bytes, over the limit of ${options.maxBytes} bytes` }]);
    }
    try {
      return { status: response.status, body: await readBounded(response._data, options.maxBytes, {
          over: () => new InputError(target, [{ path: "", message: `the answer is over the limit of ${options.maxBytes} bytes` }]),
          broke: (error) => new TryFailed(`the answer broke off: ${causeOf(error)}`),
        }) };
    } catch (error) {
      if (error instanceof TryFailed && signal.aborted) throw failed(error);
      throw error;
    }
  }

  async function request(path: string, options: RequestOptions): Promise<Answer> {
    const target = url(path);
    const what = `${options.method ?? "GET"} ${target} (${options.expect})`;
    const retries = options.retries ?? p.retries;
    const timeoutMs = options.timeoutMs ?? p.timeoutMs;
    let last = "";
    /** Why it stopped, how many tries it took, and what the last try met (if that is not the why). */
    const fail = (tries: number, why?: string) =>
      new HostError(`${what}: ${why ?? last}, after ${tries} ${tries === 1 ? "try" : "tries"}${why && last ? ` (last: ${last})` : ""}`);
    for (let tries = 0; ; tries++) {
      if (budget.signal?.aborted) throw fail(tries, "cancelled");
      if (stopped()) throw fail(tries, `no answer within the budget of ${budget.budgetMs} ms`);
      try {
        const answer = await once(target, options, timeoutMs);
        if (answer.status < 500) return answer;
        last = `server error ${answer.status}`;
      } catch (error) {
        if (!(error instanceof TryFailed)) throw error;
        last = error.message;
        if (error.budgetSpent) throw fail(tries + 1, budget.signal?.aborted ? "cancelled" : `no answer within the budget of ${budget.budgetMs} ms`);
      }
      if (tries >= retries) throw fail(tries + 1);
      const delay = Math.floor(p.random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** tries));
      // Never sleep past the budget: a retry that cannot start in time is not worth waiting for.
      if (!stopped() && delay >= remaining()) throw fail(tries + 1, `no time left in the budget of ${budget.budgetMs} ms for another try`);
      if (!stopped()) {
        log.debug(`${options.method ?? "GET"} ${path}: ${last}; retry ${tries + 1} of ${retries} in ${delay} ms`);
        await host.sleep(delay, budgetSignal).catch(() => {});
      }
    }
  }

  return {
    baseUrl: base,
    url,
    request,
    async get(path, options) {
      const answer = await request(path, options);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new HostError(`${options.method ?? "GET"} ${url(path)} (${options.expect}): answered ${answer.status}, expected 200 or 404`);
      return answer.body;
    },
    get stopped() {
      return stopped();
    },
  };
}
