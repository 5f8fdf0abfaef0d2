/**
 * Sign-in attempts per account and per client address, in sliding windows, kept in memory: one
 * process serves the app, and a restart forgetting the windows is acceptable (it only relaxes
 * the limits once).
 *
 * An attempt is counted *before* its password is checked, in the same synchronous step as the
 * limit check, so parallel attempts cannot all slip under the limit while the (slow) hash check
 * runs; a successful sign-in takes its attempt back and clears the account's failures.
 *
 * The two limits are separate: the account limit stops guessing one account's password from
 * anywhere; the (higher) address limit stops one address trying many accounts, without letting
 * a few failures from one address — or from a proxy all users share — lock out everyone.
 */
export interface LoginLimits {
	/** Attempts per account (email) within the window. */
	perAccount: number;
	/** Attempts per client address within the window, across accounts. */
	perAddress: number;
	windowMs: number;
	/**
	 * Most keys each map holds (MAX_TRACKED_KEYS by default): past it the key tracked longest is
	 * forgotten, so the memory stays bounded whatever number of emails or addresses is tried.
	 */
	maxKeys?: number;
}

export type AttemptDecision =
	| { allowed: true; attempt: { account: string; address: string; at: number } }
	| { allowed: false; retryAfterMs: number; limitedBy: 'account' | 'address' };

// Expired entries are swept now and then so spraying many emails cannot grow the maps for ever.
const SWEEP_EVERY = 1000;
// 10,000 keys of at most 254 characters (MAX_EMAIL_LENGTH) each: a few MB at most.
export const MAX_TRACKED_KEYS = 10_000;

export class LoginRateLimiter {
	private accounts = new Map<string, number[]>();
	private addresses = new Map<string, number[]>();
	private sinceSweep = 0;

	constructor(private readonly limits: LoginLimits) {}

	private recent(map: Map<string, number[]>, key: string, now: number): number[] {
		const list = (map.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
		if (list.length) map.set(key, list);
		else map.delete(key);
		return list;
	}

	/** Counts an attempt for the account and the address if both are under their limits; otherwise says how long to wait. */
	begin(account: string, address: string, now = Date.now()): AttemptDecision {
		if (++this.sinceSweep >= SWEEP_EVERY) this.sweep(now);
		const byAccount = this.recent(this.accounts, account, now);
		const byAddress = this.recent(this.addresses, address, now);
		const accountWait = byAccount.length >= this.limits.perAccount ? byAccount[byAccount.length - this.limits.perAccount] + this.limits.windowMs - now : 0;
		const addressWait = byAddress.length >= this.limits.perAddress ? byAddress[byAddress.length - this.limits.perAddress] + this.limits.windowMs - now : 0;
		if (accountWait > 0 || addressWait > 0) {
			return { allowed: false, retryAfterMs: Math.max(accountWait, addressWait), limitedBy: accountWait >= addressWait ? 'account' : 'address' };
		}
		byAccount.push(now);
		byAddress.push(now);
		this.track(this.accounts, account, byAccount, now);
		this.track(this.addresses, address, byAddress, now);
		return { allowed: true, attempt: { account, address, at: now } };
	}

	/** A correct password: the account starts afresh and the address gets its attempt back. */
	succeeded(attempt: { account: string; address: string; at: number }): void {
		this.accounts.delete(attempt.account);
		const list = this.addresses.get(attempt.address);
		const i = list?.indexOf(attempt.at) ?? -1;
		if (list && i >= 0) {
			list.splice(i, 1);
			if (!list.length) this.addresses.delete(attempt.address);
		}
	}

	/** Sets a key's attempts; a new key in a full map first makes room (expired keys, then the oldest). */
	private track(map: Map<string, number[]>, key: string, list: number[], now: number): void {
		const maxKeys = this.limits.maxKeys ?? MAX_TRACKED_KEYS;
		if (!map.has(key) && map.size >= maxKeys) {
			this.sweep(now);
			// A Map iterates in insertion order: the first key is the one tracked longest.
			for (const oldest of map.keys()) {
				if (map.size < maxKeys) break;
				map.delete(oldest);
			}
		}
		map.set(key, list);
	}

	/** How many keys are tracked, for tests. */
	get trackedKeys(): { accounts: number; addresses: number } {
		return { accounts: this.accounts.size, addresses: this.addresses.size };
	}

	private sweep(now: number): void {
		this.sinceSweep = 0;
		for (const map of [this.accounts, this.addresses]) for (const key of [...map.keys()]) this.recent(map, key, now);
	}
}
