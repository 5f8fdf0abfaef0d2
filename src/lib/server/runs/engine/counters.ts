/**
 * What the engine counts for every run, whatever its kind: calls, retries, tokens and cost.
 * A kind's progress object extends these counters with its own (accepted candidates, rule
 * counts …); all of it is one JSON object on the run row, written with each committed reply.
 */
export interface CallCounters {
	/** Replies committed (done) by step, and calls that failed on their own prompt (now failed). */
	calls: { done: number; failed: number; byStep: Record<string, number> };
	/** Calls failed now, by reason (CallFailureReason); retrying them takes them out again. */
	failedByReason: Record<string, number>;
	/** Attempts that were retried (429, 5xx, timeouts …), this session and earlier ones. */
	retries: number;
	/** The latest error an attempt met (retried or not), so a person sees what is going on. */
	lastError: LastCallError | null;
	promptTokens: number;
	completionTokens: number;
	costUsd: number;
	/** False when the endpoint has no prices: cost is then unknown, not zero. */
	costKnown: boolean;
}

export interface LastCallError {
	/** Plain words, key scrubbed. */
	message: string;
	/** LlmErrorKind, e.g. "connection", "rate_limited". */
	kind: string;
	status?: number;
	/** Epoch ms. */
	at: number;
}

export function emptyCallCounters(costKnown = false): CallCounters {
	return {
		calls: { done: 0, failed: 0, byStep: {} },
		failedByReason: {},
		retries: 0,
		lastError: null,
		promptTokens: 0,
		completionTokens: 0,
		costUsd: 0,
		costKnown
	};
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
	counts[key] = (counts[key] ?? 0) + by;
}

/**
 * Seconds left at the pace so far (active time only: paused time does not count), or null
 * before there is enough to go on.
 */
export function etaSeconds(fraction: number, activeMs: number): number | null {
	if (!(fraction > 0.01) || activeMs < 1000) return null;
	if (fraction >= 1) return 0;
	return Math.round(((activeMs / fraction) * (1 - fraction)) / 1000);
}
