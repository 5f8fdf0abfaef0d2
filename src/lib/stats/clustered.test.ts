import { describe, expect, it } from 'vitest';
import { clusteredMeanOfShares, clusteredProportion } from './clustered';
import { wilsonInterval } from './proportion';
import { createRng } from '../random';

describe('clusteredProportion (ratio estimator, labels clustered by item)', () => {
	it('computes the ratio-estimator variance by hand', () => {
		// Items: 2/2, 1/2, 0/2, 2/2 → r = 5/8; residuals y − r·n: 0.75, −0.25, −1.25, 0.75.
		const c = clusteredProportion([
			{ successes: 2, trials: 2 },
			{ successes: 1, trials: 2 },
			{ successes: 0, trials: 2 },
			{ successes: 2, trials: 2 }
		]);
		expect(c.proportion).toBe(0.625);
		const sum = 0.75 ** 2 + 0.25 ** 2 + 1.25 ** 2 + 0.75 ** 2;
		const variance = sum / (4 * 3 * 2 * 2);
		expect(c.standardError).toBeCloseTo(Math.sqrt(variance), 12);
		// Against the 8 labels as a simple random sample, estimated as v is (n − 1): deff = v·7/(r(1 − r)), n* = 8/deff.
		const designEffect = variance / ((0.625 * 0.375) / 7);
		expect(c.designEffect).toBeCloseTo(designEffect, 10);
		expect(c.effectiveSize).toBeCloseTo(8 / designEffect, 10);
		expect(c.lower).toBeLessThan(0.625);
		expect(c.upper).toBeGreaterThan(0.625);
	});

	it('is the plain Wilson interval at n, design effect 1, when every item has one label', () => {
		// 17 of 20 items, one label each (audit "Q k1"'s instruction question). By hand, z = 1.95996:
		// centre (0.85 + z²/40)/(1 + z²/20) = 0.79361, half-width 0.15403 → [63.96%, 94.76%].
		// Wilson at n − 1 = 19 (the old effective size) gave [63.3%, 94.9%].
		const c = clusteredProportion([...Array(20)].map((_, i) => ({ successes: i < 17 ? 1 : 0, trials: 1 })));
		expect(c.designEffect).toBe(1);
		expect(c.effectiveSize).toBe(20);
		expect(c.lower).toBeCloseTo(0.63958, 4);
		expect(c.upper).toBeCloseTo(0.94763, 4);
		const w = wilsonInterval(17, 20);
		expect(c.lower).toBeCloseTo(w.lower, 12);
		expect(c.upper).toBeCloseTo(w.upper, 12);
		for (const [yes, n] of [
			[20, 30],
			[1, 7],
			[49, 50],
			[0, 12]
		]) {
			const one = clusteredProportion([...Array(n)].map((_, i) => ({ successes: i < yes ? 1 : 0, trials: 1 })));
			expect(one.effectiveSize).toBe(n);
			expect(one.lower).toBeCloseTo(wilsonInterval(yes, n).lower, 12);
			expect(one.upper).toBeCloseTo(wilsonInterval(yes, n).upper, 12);
			// The same labels as items' shares (one label per item) give the same interval.
			const shares = clusteredMeanOfShares([...Array(n)].map((_, i) => (i < yes ? 1 : 0)));
			expect(shares.lower).toBeCloseTo(one.lower, 12);
			expect(shares.upper).toBeCloseTo(one.upper, 12);
		}
	});

	it('is wider than a Wilson interval over labels when reviewers of an item always agree', () => {
		const clusters = [...Array(40)].map((_, i) => (i % 4 === 0 ? { successes: 0, trials: 3 } : { successes: 3, trials: 3 }));
		const c = clusteredProportion(clusters);
		const naive = wilsonInterval(90, 120);
		expect(c.upper - c.lower).toBeGreaterThan(naive.upper - naive.lower);
		expect(c.designEffect!).toBeGreaterThan(2.5);
	});

	it('all labels yes: counts each item once, interval not degenerate', () => {
		const c = clusteredProportion([...Array(10)].map(() => ({ successes: 2, trials: 2 })));
		expect(c.proportion).toBe(1);
		expect(c.upper).toBe(1);
		expect(c.effectiveSize).toBe(10);
		expect(c.lower).toBeCloseTo(wilsonInterval(10, 10).lower, 12);
	});

	it('no labels: null with the whole range', () => {
		expect(clusteredProportion([])).toMatchObject({ proportion: null, lower: 0, upper: 1, trials: 0 });
		expect(() => clusteredProportion([{ successes: 3, trials: 2 }])).toThrow(/successes/);
	});
});

describe('clusteredMeanOfShares', () => {
	it('with the same number of labels per item it is the clustered proportion of the labels', () => {
		const counts = [2, 1, 0, 1, 2, 0, 1];
		const byLabels = clusteredProportion(counts.map((successes) => ({ successes, trials: 2 })));
		const byShares = clusteredMeanOfShares(counts.map((c) => c / 2), { labels: 14 });
		expect(byShares.proportion).toBeCloseTo(byLabels.proportion!, 12);
		expect(byShares.lower).toBeCloseTo(byLabels.lower, 12);
		expect(byShares.upper).toBeCloseTo(byLabels.upper, 12);
		expect(byShares.effectiveSize).toBeCloseTo(byLabels.effectiveSize, 12);
	});

	it('gives every item sharing one split the capped size, not a wider interval than a spread one item away', () => {
		// 30 responses all rated A by one reviewer and B by the other, against the same with one A/A.
		const even = clusteredMeanOfShares(Array(30).fill(0.5), { labels: 60 });
		const nearly = clusteredMeanOfShares([1, ...Array(29).fill(0.5)], { labels: 60 });
		expect(even.effectiveSize).toBe(60);
		expect(nearly.effectiveSize).toBe(60);
		expect(even.upper - even.lower).toBeCloseTo(nearly.upper - nearly.lower, 2);
	});

	it('covers the true share about 95% of the time when reviewers disagree (simulation with a known truth)', () => {
		// Each response has its own chance of being rated A (drawn from a mixture: clear cases and
		// borderline ones); two or three reviewers rate it independently. The truth is the mean chance.
		const rng = createRng(20261207);
		const chances = [0.05, 0.5, 0.9];
		const truth = chances.reduce((a, b) => a + b, 0) / chances.length;
		let covered = 0;
		const replications = 600;
		for (let r = 0; r < replications; r++) {
			const shares: number[] = [];
			let labels = 0;
			for (let i = 0; i < 60; i++) {
				const p = chances[Math.floor(rng() * chances.length)];
				const k = rng() < 0.5 ? 2 : 3;
				let a = 0;
				for (let j = 0; j < k; j++) if (rng() < p) a++;
				shares.push(a / k);
				labels += k;
			}
			const c = clusteredMeanOfShares(shares, { labels });
			if (c.lower <= truth && truth <= c.upper) covered++;
		}
		const coverage = covered / replications;
		expect(coverage).toBeGreaterThan(0.92);
		expect(coverage).toBeLessThan(0.98);
	});

	it('counts each item once however many labels it has, and rejects shares outside [0, 1]', () => {
		expect(clusteredMeanOfShares([1, 0.5, 0, 0]).proportion).toBe(0.375);
		expect(clusteredMeanOfShares([]).proportion).toBeNull();
		expect(() => clusteredMeanOfShares([1.5])).toThrow(RangeError);
	});
});
