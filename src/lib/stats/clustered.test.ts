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
		expect(c.effectiveSize).toBeCloseTo((0.625 * 0.375) / variance, 10);
		expect(c.designEffect).toBeCloseTo(variance / ((0.625 * 0.375) / 8), 10);
		expect(c.lower).toBeLessThan(0.625);
		expect(c.upper).toBeGreaterThan(0.625);
	});

	it('equals the Wilson interval when every item has one label', () => {
		const clusters = [...Array(30)].map((_, i) => ({ successes: i % 3 === 0 ? 0 : 1, trials: 1 }));
		const c = clusteredProportion(clusters);
		const w = wilsonInterval(20, 30);
		// Independent labels: the ratio variance is p(1−p)/(n−1)·… close to binomial, so n* ≈ n.
		expect(c.effectiveSize).toBeCloseTo(29, 6);
		expect(Math.abs(c.lower - w.lower)).toBeLessThan(0.01);
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
