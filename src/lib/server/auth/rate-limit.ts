/**
 * Sliding-window counter of failed logins, kept in memory: one process serves the app, and a
 * restart forgetting the window is acceptable (it only relaxes the limit once).
 */
export class LoginRateLimiter {
	private failures = new Map<string, number[]>();

	constructor(
		private readonly maxAttempts: number,
		private readonly windowMs: number
	) {}

	private recent(key: string, now: number): number[] {
		const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
		if (list.length) this.failures.set(key, list);
		else this.failures.delete(key);
		return list;
	}

	/** Milliseconds until another attempt is allowed for any of the keys, or 0 if allowed now. */
	retryAfterMs(keys: string[], now = Date.now()): number {
		let wait = 0;
		for (const key of keys) {
			const list = this.recent(key, now);
			if (list.length >= this.maxAttempts) wait = Math.max(wait, list[0] + this.windowMs - now);
		}
		return wait;
	}

	recordFailure(keys: string[], now = Date.now()): void {
		for (const key of keys) {
			const list = this.recent(key, now);
			list.push(now);
			this.failures.set(key, list);
		}
	}

	reset(keys: string[]): void {
		for (const key of keys) this.failures.delete(key);
	}
}
