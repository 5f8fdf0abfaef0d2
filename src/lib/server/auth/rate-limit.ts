/**
 * Sign-in attempts per account from one client address and per client address, in sliding
 * windows, kept in memory: one process serves the app, and a restart forgetting the windows is
 * acceptable (it only relaxes the limits once).
 *
 * An attempt is counted *before* its password is checked, in the same synchronous step as the
 * limit check, so parallel attempts cannot all slip under the limit while the (slow) hash check
 * runs; a successful sign-in takes its attempt back and clears that account's failures from
 * that address.
 *
 * The account limit counts per (account, address), not per account alone: an account limited
 * everywhere let anyone keep its owner (the only admin, say) locked out with ten requests every
 * window. Now the guesser's address is stopped and the owner signs in from theirs; the (higher)
 * address limit stops one address trying many accounts. An admin can clear an account's
 * failures (`clearedAt`: attempts before it are not counted).
 */
export interface LoginLimits {
	/** Attempts per account (email) from one address within the window. */
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
	| { allowed: true; attempt: { pair: string; address: string; at: number } }
	| { allowed: false; retryAfterMs: number; limitedBy: 'account' | 'address' };

const pairKey = (account: string, address: string) => `${address} ${account}`;

// Expired entries are swept now and then so spraying many emails cannot grow the maps for ever.
const SWEEP_EVERY = 1000;
// 10,000 keys of at most 254 characters (MAX_EMAIL_LENGTH) each: a few MB at most.
export const MAX_TRACKED_KEYS = 10_000;

export class LoginRateLimiter {
	/** Keyed by account and address (pairKey). */
	private pairs = new Map<string, number[]>();
	private addresses = new Map<string, number[]>();
	private sinceSweep = 0;

	constructor(private readonly limits: LoginLimits) {}

	private recent(map: Map<string, number[]>, key: string, now: number, since = -Infinity): number[] {
		const list = (map.get(key) ?? []).filter((t) => now - t < this.limits.windowMs && t >= since);
		if (list.length) map.set(key, list);
		else map.delete(key);
		return list;
	}

	/**
	 * Counts an attempt for the account from this address and for the address if both are under
	 * their limits; otherwise says how long to wait. `clearedAt`: when an admin last cleared the
	 * account's failures (earlier attempts on it are forgotten).
	 */
	begin(account: string, address: string, now = Date.now(), clearedAt = -Infinity): AttemptDecision {
		if (++this.sinceSweep >= SWEEP_EVERY) this.sweep(now);
		const pair = pairKey(account, address);
		const byAccount = this.recent(this.pairs, pair, now, clearedAt);
		const byAddress = this.recent(this.addresses, address, now);
		const accountWait = byAccount.length >= this.limits.perAccount ? byAccount[byAccount.length - this.limits.perAccount] + this.limits.windowMs - now : 0;
		const addressWait = byAddress.length >= this.limits.perAddress ? byAddress[byAddress.length - this.limits.perAddress] + this.limits.windowMs - now : 0;
		if (accountWait > 0 || addressWait > 0) {
			return { allowed: false, retryAfterMs: Math.max(accountWait, addressWait), limitedBy: accountWait >= addressWait ? 'account' : 'address' };
		}
		byAccount.push(now);
		byAddress.push(now);
		this.track(this.pairs, pair, byAccount, now);
		this.track(this.addresses, address, byAddress, now);
		return { allowed: true, attempt: { pair, address, at: now } };
	}

	/** A correct password: the account starts afresh from this address, and the address gets its attempt back. */
	succeeded(attempt: { pair: string; address: string; at: number }): void {
		this.pairs.delete(attempt.pair);
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
		return { accounts: this.pairs.size, addresses: this.addresses.size };
	}

	private sweep(now: number): void {
		this.sinceSweep = 0;
		for (const map of [this.pairs, this.addresses]) for (const key of [...map.keys()]) this.recent(map, key, now);
	}
}
