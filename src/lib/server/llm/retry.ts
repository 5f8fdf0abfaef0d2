/**
 * The one retry policy for model calls (the SDK's own retries are switched off): exponential
 * backoff with full jitter on 429, 5xx, timeouts and connection errors, and the server's
 * Retry-After when it gives one.
 */
import type { LlmError } from './errors';

export interface RetryPolicy {
	/** Attempts in all, including the first. */
	maxAttempts: number;
	/** Backoff cap grows base·2^(n-1) after the n-th failure… */
	baseDelayMs: number;
	/** …up to this. */
	maxDelayMs: number;
	/** A longer Retry-After is cut to this, so one bad header cannot park a run for hours. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
	maxAttempts: 8,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 5 * 60_000
});

/**
 * Full jitter (uniform in [0, cap)): spreads clients that failed together so they do not come
 * back together. `failures` counts failed attempts so far (1 after the first failure).
 */
export function backoffDelayMs(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
	const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
	return random() * cap;
}

/** How long to wait before the next attempt after `error`, the `failures`-th failure. */
export function retryDelayMs(
	error: Pick<LlmError, 'retryAfterMs'>,
	failures: number,
	policy: RetryPolicy,
	random: () => number = Math.random
): number {
	if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, policy.maxRetryAfterMs);
	return backoffDelayMs(failures, policy, random);
}
