import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from './rate-limit';

const limits = { perAccount: 3, perAddress: 5, windowMs: 60_000 };

describe('LoginRateLimiter', () => {
	it('counts an attempt when it begins, so the limit holds before any result is known', () => {
		const limiter = new LoginRateLimiter(limits);
		const decisions = Array.from({ length: 10 }, () => limiter.begin('a@x.org', '1.2.3.4', 1000));
		expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
		const refused = decisions[3];
		expect(refused).toEqual({ allowed: false, retryAfterMs: 60_000, limitedBy: 'account' });
	});

	it('limits an account per address, and addresses across accounts', () => {
		const limiter = new LoginRateLimiter(limits);
		for (let i = 0; i < 3; i++) limiter.begin('a@x.org', '1.2.3.4', 1000 + i);
		// The guessing address is stopped on the account; its owner, elsewhere, is not locked out…
		expect(limiter.begin('a@x.org', '1.2.3.4', 2000)).toMatchObject({ allowed: false, limitedBy: 'account' });
		expect(limiter.begin('a@x.org', '5.6.7.8', 2000).allowed).toBe(true);
		// …but the address may still try other accounts, up to its own limit.
		expect(limiter.begin('b@x.org', '1.2.3.4', 2000).allowed).toBe(true);
		expect(limiter.begin('c@x.org', '1.2.3.4', 2001).allowed).toBe(true);
		const sixth = limiter.begin('d@x.org', '1.2.3.4', 2002);
		expect(sixth).toMatchObject({ allowed: false, limitedBy: 'address' });
		expect(limiter.begin('d@x.org', '9.9.9.9', 2003).allowed).toBe(true);
	});

	it('frees up after the window, attempt by attempt', () => {
		const limiter = new LoginRateLimiter(limits);
		for (let i = 0; i < 3; i++) limiter.begin('a@x.org', '1.2.3.4', 1000 + i * 1000);
		expect(limiter.begin('a@x.org', '1.2.3.4', 60_999)).toMatchObject({ allowed: false, retryAfterMs: 1 });
		expect(limiter.begin('a@x.org', '1.2.3.4', 61_000).allowed).toBe(true);
	});

	it('a success clears the account and gives the address its attempt back', () => {
		const limiter = new LoginRateLimiter(limits);
		limiter.begin('a@x.org', '1.2.3.4', 1000);
		limiter.begin('a@x.org', '1.2.3.4', 1001);
		const ok = limiter.begin('a@x.org', '1.2.3.4', 1002);
		if (!ok.allowed) throw new Error('expected allowed');
		limiter.succeeded(ok.attempt);
		for (let i = 0; i < 3; i++) expect(limiter.begin('a@x.org', '1.2.3.4', 2000 + i).allowed).toBe(true);
		// 2 failures + 3 new attempts = 5 on the address: the limit.
		expect(limiter.begin('z@x.org', '1.2.3.4', 3000)).toMatchObject({ allowed: false, limitedBy: 'address' });
	});

	it("forgets an account's attempts made before an admin cleared them", () => {
		const limiter = new LoginRateLimiter(limits);
		for (let i = 0; i < 3; i++) limiter.begin('a@x.org', '1.2.3.4', 1000 + i);
		expect(limiter.begin('a@x.org', '1.2.3.4', 2000).allowed).toBe(false);
		expect(limiter.begin('a@x.org', '1.2.3.4', 2001, 1500).allowed).toBe(true);
	});

	it('holds at most maxKeys keys per map, forgetting the oldest first', () => {
		const limiter = new LoginRateLimiter({ ...limits, perAddress: 1_000_000, maxKeys: 50 });
		for (let i = 0; i < 500; i++) expect(limiter.begin(`spray-${i}@x.org`, '1.2.3.4', 1000 + i).allowed).toBe(true);
		expect(limiter.trackedKeys).toEqual({ accounts: 50, addresses: 1 });
		// The newest keys are the ones kept.
		for (let i = 0; i < 3; i++) limiter.begin('spray-499@x.org', '1.2.3.4', 2000);
		expect(limiter.begin('spray-499@x.org', '1.2.3.4', 2001)).toMatchObject({ allowed: false });
	});
});
