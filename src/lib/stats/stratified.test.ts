import { describe, expect, it } from 'vitest';
import { stratifiedBounds, stratifiedProportion } from './stratified';
import { wilsonInterval } from './proportion';

describe('stratifiedProportion', () => {
	it('weights each stratum by its population and adds the variances with the finite-population correction', () => {
		const r = stratifiedProportion(
			[
				{ population: 800, trials: 40, successes: 30 },
				{ population: 200, trials: 20, successes: 5 }
			],
			{ confidence: 0.95 }
		);
		expect(r.proportion).toBeCloseTo(0.8 * 0.75 + 0.2 * 0.25, 12);
		const v = (0.8 ** 2 * (1 - 40 / 800) * 0.75 * 0.25) / 40 + (0.2 ** 2 * (1 - 20 / 200) * 0.25 * 0.75) / 20;
		expect(r.variance).toBeCloseTo(v, 12);
		// n* = p(1−p)/v = 71.4 here, capped at the 60 judged.
		expect((0.65 * 0.35) / v).toBeGreaterThan(60);
		expect(r.effectiveN).toBe(60);
		// Wilson on n*: the same as wilsonInterval when n* happens to be a whole number.
		expect(r.lower).toBeLessThan(0.65);
		expect(r.upper).toBeGreaterThan(0.65);
	});

	it('is the plain Wilson interval for one stratum of a population too large to matter', () => {
		const r = stratifiedProportion([{ population: 1e12, trials: 50, successes: 40 }]);
		const w = wilsonInterval(40, 50);
		expect(r.lower).toBeCloseTo(w.lower, 9);
		expect(r.upper).toBeCloseTo(w.upper, 9);
	});

	it('keeps an interval when every stratum is all yes, and is unknown when a stratum has no judged unit', () => {
		const r = stratifiedProportion([
			{ population: 100, trials: 10, successes: 10 },
			{ population: 50, trials: 5, successes: 5 }
		]);
		expect(r.proportion).toBe(1);
		expect(r.upper).toBe(1);
		expect(r.lower).toBeCloseTo(wilsonInterval(15, 15).lower, 12);
		const none = stratifiedProportion([
			{ population: 100, trials: 10, successes: 4 },
			{ population: 3, trials: 0, successes: 0 }
		]);
		expect(none.proportion).toBeNull();
		expect([none.lower, none.upper]).toEqual([0, 1]);
		// A stratum without units does not count.
		expect(stratifiedProportion([{ population: 100, trials: 10, successes: 4 }, { population: 0, trials: 0, successes: 0 }]).proportion).toBeCloseTo(0.4, 12);
	});
});

describe('stratifiedBounds', () => {
	it('weights the strata by their rows, not their sample sizes (10 of 5,001 kept, 4 of 5 rejected)', () => {
		const b = stratifiedBounds([
			{ population: 5001, trials: 10, successes: 5, ties: 0 },
			{ population: 5, trials: 4, successes: 3, ties: 0 }
		])!;
		expect(b.rate).toBeCloseTo((5001 * 0.5 + 5 * 0.75) / 5006, 12);
		expect(b.low).toBe(b.rate);
		expect(b.high).toBe(b.rate);
		const same = stratifiedProportion([
			{ population: 5001, trials: 10, successes: 5 },
			{ population: 5, trials: 4, successes: 3 }
		]);
		expect([b.lower, b.upper]).toEqual([same.lower, same.upper]);
		expect(b.uncovered).toBe(0);
	});

	it('counts ties both ways and a stratum with no judged unit as unknown', () => {
		const b = stratifiedBounds([
			{ population: 90, trials: 10, successes: 5, ties: 2 },
			{ population: 10, trials: 0, successes: 0, ties: 0 }
		])!;
		expect(b.rate).toBeNull();
		expect(b.uncovered).toBe(10);
		expect(b.low).toBeCloseTo(0.9 * 0.5, 12);
		expect(b.high).toBeCloseTo(0.9 * 0.7 + 0.1, 12);
		expect(b.lower).toBeLessThan(b.low);
		expect(b.upper).toBeGreaterThan(b.high);
		expect(stratifiedBounds([{ population: 10, trials: 0, successes: 0, ties: 0 }])).toBeNull();
	});
});
