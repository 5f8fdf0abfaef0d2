/**
 * The client's own pacing: a FIFO concurrency limiter and token buckets for requests/min and
 * tokens/min. Waiting is abortable so a paused or cancelled run lets go at once.
 */

/** Thrown (as the reason) when a wait is cut short by an AbortSignal. */
export function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (signal?.aborted) return Promise.reject(abortReason(signal));
	if (ms <= 0) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const onAbort = () => {
			clearTimeout(timer);
			reject(abortReason(signal!));
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

/** At most `limit` holders at once; waiters are served first come, first served. */
export class ConcurrencyLimiter {
	#active = 0;
	readonly #waiters: Array<{ grant: () => void }> = [];

	constructor(readonly limit: number) {
		if (!(limit >= 1)) throw new RangeError('concurrency must be at least 1');
	}

	get active(): number {
		return this.#active;
	}

	get waiting(): number {
		return this.#waiters.length;
	}

	/** Resolves with a release function once a slot is free. */
	acquire(signal?: AbortSignal): Promise<() => void> {
		if (signal?.aborted) return Promise.reject(abortReason(signal));
		if (this.#active < this.limit) {
			this.#active++;
			return Promise.resolve(this.#releaser());
		}
		return new Promise((resolve, reject) => {
			const waiter = {
				grant: () => {
					signal?.removeEventListener('abort', onAbort);
					resolve(this.#releaser());
				}
			};
			const onAbort = () => {
				const at = this.#waiters.indexOf(waiter);
				if (at !== -1) this.#waiters.splice(at, 1);
				reject(abortReason(signal!));
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#waiters.push(waiter);
		});
	}

	#releaser(): () => void {
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const next = this.#waiters.shift();
			// Hand the slot straight to the next waiter so no newcomer can jump the queue.
			if (next) next.grant();
			else this.#active--;
		};
	}
}

/**
 * A token bucket that refills continuously at `perMinute / 60_000` per ms up to `capacity`.
 * `take` waits (first come, first served) until the bucket holds the amount, then removes it.
 * A request larger than the capacity goes once the bucket is full and leaves it in debt, rather
 * than never going. `adjust` corrects an estimate after the fact (e.g. real token usage) and
 * lets waiters through at once when it gives tokens back.
 */
export class TokenBucket {
	readonly capacity: number;
	readonly #perMs: number;
	readonly #now: () => number;
	#level: number;
	#updatedAt: number;
	readonly #queue: Array<{ amount: number; grant: () => void }> = [];
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(
		readonly perMinute: number,
		options: { capacity?: number; now?: () => number } = {}
	) {
		if (!(perMinute > 0)) throw new RangeError('rate must be positive');
		this.#perMs = perMinute / 60_000;
		// One second's worth (at least one unit): smooth pacing, and no minute-long burst that a
		// server enforcing per-second limits would refuse.
		this.capacity = options.capacity ?? Math.max(1, perMinute / 60);
		this.#now = options.now ?? (() => performance.now());
		this.#level = this.capacity;
		this.#updatedAt = this.#now();
	}

	#refill(): void {
		const now = this.#now();
		this.#level = Math.min(this.capacity, this.#level + (now - this.#updatedAt) * this.#perMs);
		this.#updatedAt = now;
	}

	/** Current level (negative while in debt). */
	get level(): number {
		this.#refill();
		return this.#level;
	}

	get waiting(): number {
		return this.#queue.length;
	}

	take(amount: number, signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) return Promise.reject(abortReason(signal));
		this.#refill();
		if (this.#queue.length === 0 && this.#level >= Math.min(amount, this.capacity)) {
			this.#level -= amount;
			return Promise.resolve();
		}
		return new Promise((resolve, reject) => {
			const waiter = {
				amount,
				grant: () => {
					signal?.removeEventListener('abort', onAbort);
					resolve();
				}
			};
			const onAbort = () => {
				const at = this.#queue.indexOf(waiter);
				if (at !== -1) this.#queue.splice(at, 1);
				reject(abortReason(signal!));
				this.#pump();
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#queue.push(waiter);
			this.#pump();
		});
	}

	/** Give back (positive) or take more (negative) after the fact. */
	adjust(delta: number): void {
		this.#refill();
		this.#level = Math.min(this.capacity, this.#level + delta);
		this.#pump();
	}

	#pump(): void {
		if (this.#timer !== undefined) {
			clearTimeout(this.#timer);
			this.#timer = undefined;
		}
		this.#refill();
		for (;;) {
			const head = this.#queue[0];
			if (!head) return;
			const need = Math.min(head.amount, this.capacity);
			if (this.#level < need) {
				// Wake when the head can go; +1 ms absorbs timer rounding.
				const wait = Math.ceil((need - this.#level) / this.#perMs) + 1;
				this.#timer = setTimeout(() => {
					this.#timer = undefined;
					this.#pump();
				}, wait);
				return;
			}
			this.#level -= head.amount;
			this.#queue.shift();
			head.grant();
		}
	}
}
