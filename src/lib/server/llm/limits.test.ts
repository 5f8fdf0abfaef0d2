import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConcurrencyLimiter, sleep, TokenBucket } from './limits';

describe('ConcurrencyLimiter', () => {
	it('admits up to the limit and serves waiters in arrival order', async () => {
		const limiter = new ConcurrencyLimiter(2);
		const order: string[] = [];
		const a = await limiter.acquire();
		const b = await limiter.acquire();
		const c = limiter.acquire().then((release) => (order.push('c'), release));
		const d = limiter.acquire().then((release) => (order.push('d'), release));
		expect(limiter.active).toBe(2);
		expect(limiter.waiting).toBe(2);
		b();
		b(); // releasing twice frees one slot only
		const releaseC = await c;
		expect(order).toEqual(['c']);
		expect(limiter.waiting).toBe(1);
		a();
		(await d)();
		releaseC();
		expect(order).toEqual(['c', 'd']);
		expect(limiter.active).toBe(0);
	});

	it('drops an aborted waiter without taking a slot', async () => {
		const limiter = new ConcurrencyLimiter(1);
		const hold = await limiter.acquire();
		const controller = new AbortController();
		const waiting = limiter.acquire(controller.signal);
		controller.abort(new Error('stop'));
		await expect(waiting).rejects.toThrow('stop');
		expect(limiter.waiting).toBe(0);
		hold();
		expect(limiter.active).toBe(0);
	});

	it('refuses a limit below 1', () => {
		expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
	});
});

describe('TokenBucket', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	const clock = () => Date.now();

	it('starts full with one second of capacity, then paces at the rate', async () => {
		const bucket = new TokenBucket(120, { now: clock }); // 2 per second
		expect(bucket.capacity).toBe(2);
		const granted: number[] = [];
		const start = Date.now();
		for (let i = 0; i < 5; i++) void bucket.take(1).then(() => granted.push(Date.now() - start));
		await vi.advanceTimersByTimeAsync(0);
		expect(granted).toEqual([0, 0]);
		await vi.advanceTimersByTimeAsync(1_600);
		expect(granted).toHaveLength(5);
		// one every 500 ms after the initial two (+1 ms timer slack)
		expect(granted[2]).toBeGreaterThanOrEqual(500);
		expect(granted[3]).toBeGreaterThanOrEqual(1_000);
		expect(granted[4]).toBeGreaterThanOrEqual(1_500);
	});

	it('lets a request larger than the capacity through when full, leaving a debt', async () => {
		const bucket = new TokenBucket(600, { now: clock }); // 10/s, capacity 10
		await bucket.take(25);
		expect(bucket.level).toBe(-15);
		let done = false;
		void bucket.take(1).then(() => (done = true));
		await vi.advanceTimersByTimeAsync(1_500);
		expect(done).toBe(false);
		await vi.advanceTimersByTimeAsync(200);
		expect(done).toBe(true);
	});

	it('lets waiters through at once when an estimate is refunded', async () => {
		const bucket = new TokenBucket(6_000, { now: clock }); // 100/s, capacity 100
		await bucket.take(100);
		let done = false;
		void bucket.take(100).then(() => (done = true));
		await vi.advanceTimersByTimeAsync(10);
		expect(done).toBe(false);
		bucket.adjust(100); // the first call's estimate was all unused
		await vi.advanceTimersByTimeAsync(0);
		expect(done).toBe(true);
	});

	it('never refills above capacity', async () => {
		const bucket = new TokenBucket(60, { now: clock, capacity: 3 });
		await vi.advanceTimersByTimeAsync(60_000);
		expect(bucket.level).toBe(3);
		bucket.adjust(10);
		expect(bucket.level).toBe(3);
	});

	it('removes an aborted waiter and serves the next', async () => {
		const bucket = new TokenBucket(60, { now: clock, capacity: 1 }); // 1 per second
		await bucket.take(1);
		const controller = new AbortController();
		const first = bucket.take(1, controller.signal);
		let secondDone = false;
		void bucket.take(1).then(() => (secondDone = true));
		controller.abort(new Error('cancelled'));
		await expect(first).rejects.toThrow('cancelled');
		await vi.advanceTimersByTimeAsync(1_100);
		expect(secondDone).toBe(true);
		expect(bucket.waiting).toBe(0);
	});
});

describe('sleep', () => {
	it('rejects with the abort reason', async () => {
		const controller = new AbortController();
		const slept = sleep(10_000, controller.signal);
		controller.abort(new Error('paused'));
		await expect(slept).rejects.toThrow('paused');
	});
});
