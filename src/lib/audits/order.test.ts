import { describe, expect, it } from 'vitest';
import { goldDue, goldJitter, responseOrder } from './order';

describe('responseOrder', () => {
	it('is a stable permutation per reviewer and item when blind, canonical otherwise', () => {
		const a = responseOrder(8, 1, 10, true);
		expect([...a].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
		expect(responseOrder(8, 1, 10, true)).toEqual(a);
		const others = [responseOrder(8, 2, 10, true), responseOrder(8, 1, 11, true), responseOrder(8, 3, 10, true)];
		expect(others.some((o) => o.join() !== a.join())).toBe(true);
		expect(responseOrder(8, 1, 10, false)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
		expect(responseOrder(1, 1, 10, true)).toEqual([0]);
	});

	it('puts every response first equally often across reviewers', () => {
		const first = [0, 0, 0, 0];
		for (let reviewer = 0; reviewer < 4000; reviewer++) first[responseOrder(4, reviewer, 7, true)[0]]++;
		for (const f of first) expect(Math.abs(f - 1000)).toBeLessThan(120);
	});
});

describe('goldDue', () => {
	it('mixes gold in at the chosen rate', () => {
		for (const jitter of [0, 0.37, 0.99]) {
			let gold = 0;
			for (let n = 0; n < 200; n++) if (goldDue(n, gold, 0.1, jitter)) gold++;
			expect(gold).toBeGreaterThanOrEqual(19);
			expect(gold).toBeLessThanOrEqual(21);
		}
		expect(goldDue(5, 0, 0, 0.5)).toBe(false);
		const j = goldJitter(12345);
		expect(j).toBeGreaterThanOrEqual(0);
		expect(j).toBeLessThan(1);
	});
});
