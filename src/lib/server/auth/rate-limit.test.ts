import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from './rate-limit';

describe('LoginRateLimiter', () => {
	it('blocks after the allowed failures within the window and frees up after it', () => {
		const limiter = new LoginRateLimiter(3, 60_000);
		const keys = ['email:a@x.org', 'addr:1.2.3.4'];
		for (let i = 0; i < 3; i++) {
			expect(limiter.retryAfterMs(keys, 1000 + i)).toBe(0);
			limiter.recordFailure(keys, 1000 + i);
		}
		expect(limiter.retryAfterMs(keys, 2000)).toBe(59_000);
		// Another email from the same address is blocked too; the same email from elsewhere as well.
		expect(limiter.retryAfterMs(['email:b@x.org', 'addr:1.2.3.4'], 2000)).toBeGreaterThan(0);
		expect(limiter.retryAfterMs(['email:a@x.org', 'addr:5.6.7.8'], 2000)).toBeGreaterThan(0);
		expect(limiter.retryAfterMs(keys, 61_001)).toBe(0);
	});

	it('reset clears a key', () => {
		const limiter = new LoginRateLimiter(1, 60_000);
		limiter.recordFailure(['k'], 0);
		expect(limiter.retryAfterMs(['k'], 1)).toBeGreaterThan(0);
		limiter.reset(['k']);
		expect(limiter.retryAfterMs(['k'], 1)).toBe(0);
	});
});
