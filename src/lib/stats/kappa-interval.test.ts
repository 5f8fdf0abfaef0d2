import { describe, expect, it } from 'vitest';
import { cohenKappaInterval } from './kappa-interval';
import { createRng } from '$lib/random';

describe('cohenKappaInterval (Fleiss, Cohen & Everitt 1969)', () => {
	it('matches R statpsych’s ci.kappa example', () => {
		// statpsych reference, ci.kappa(.05, f00 = 31, f01 = 12, f10 = 4, f11 = 58):
		// Cohen kappa 0.6756757, SE 0.07344761, 95% (0.5317210, 0.8196303).
		const r = cohenKappaInterval([
			[31, 12],
			[4, 58]
		]);
		expect(r.kappa!.toFixed(7)).toBe('0.6756757');
		expect(r.standardError!.toFixed(8)).toBe('0.07344761');
		expect(r.lower!.toFixed(7)).toBe('0.5317210');
		expect(r.upper!.toFixed(7)).toBe('0.8196303');
	});

	it('matches Stata’s kapci (analytic interval) on a large table', () => {
		// Statalist, 2009-12 "kappa agreement standard errors": 1,395 / 118 / 261 / 158 (N = 1,932):
		// kappa .3411969207847029, se .0262913719660408, 95% (.2896667786271169, .3927270629422889).
		const r = cohenKappaInterval([
			[1395, 118],
			[261, 158]
		]);
		expect(r.kappa).toBeCloseTo(0.3411969207847029, 14);
		expect(r.standardError).toBeCloseTo(0.0262913719660408, 14);
		expect(r.lower).toBeCloseTo(0.2896667786271169, 13);
		expect(r.upper).toBeCloseTo(0.3927270629422889, 13);
	});

	it('works for k categories and has no interval where κ is undefined', () => {
		// numpy, same formula: 3 × 3 table → κ 0.47467166979362097, SE 0.11327643732044798.
		const r = cohenKappaInterval([
			[10, 3, 1],
			[2, 8, 4],
			[1, 3, 8]
		]);
		expect(r.kappa).toBeCloseTo(0.47467166979362097, 13);
		expect(r.standardError).toBeCloseTo(0.11327643732044798, 13);
		expect(cohenKappaInterval([[5, 0], [0, 0]]).standardError).toBeNull();
		expect(cohenKappaInterval([[0, 0], [0, 0]]).kappa).toBeNull();
		const perfect = cohenKappaInterval([[5, 0], [0, 5]]);
		expect(perfect.kappa).toBe(1);
		expect(perfect.upper).toBe(1);
	});
});

describe('cohenKappaInterval when one rater gives one answer to every item', () => {
	it('leaves κ undefined (not "0.000 [0.000, 0.000]") and says which rater', () => {
		// A judge that said yes to all 26 pairs (rows: judge yes / no; columns: human yes / no).
		const constantJudge = cohenKappaInterval([
			[20, 6],
			[0, 0]
		]);
		expect(constantJudge).toMatchObject({ kappa: null, oneAnswer: 'rows', standardError: null, lower: null, upper: null, n: 26 });
		expect(
			cohenKappaInterval([
				[20, 0],
				[6, 0]
			])
		).toMatchObject({ kappa: null, oneAnswer: 'columns' });
		// Both raters varying: unchanged.
		expect(cohenKappaInterval([[31, 12], [4, 58]])).toMatchObject({ oneAnswer: null, kappa: expect.closeTo(0.6756757, 7) });
	});

	it('at perfect agreement gives a lower end from the Wilson bound of n agreements in n (not a zero-width [1, 1])', () => {
		// 30 + 20 items, all on the diagonal: pₑ = 0.6² + 0.4² = 0.52; Wilson 95% lower bound of
		// 50/50 is 50 / (50 + z²) = 0.928652; κ lower = (0.928652 − 0.52) / 0.48 = 0.851358.
		const r = cohenKappaInterval([
			[30, 0],
			[0, 20]
		]);
		expect(r.kappa).toBe(1);
		expect(r.upper).toBe(1);
		expect(r.lower).toBeCloseTo(0.851358, 5);
	});

	it('covers a true κ near 1 about as often as it says, perfect-agreement samples included (simulation)', () => {
		// Joint distribution with 98% agreement (κ = 0.958); at n = 40 about 45% of samples agree
		// perfectly, where a zero-width interval never covers the truth.
		const cells = [0.59, 0.01, 0.01, 0.39];
		const pe = 0.6 * 0.6 + 0.4 * 0.4;
		const truth = (0.98 - pe) / (1 - pe);
		const rng = createRng(7);
		let covered = 0;
		let perfect = 0;
		const runs = 2000;
		for (let run = 0; run < runs; run++) {
			const counts = [0, 0, 0, 0];
			for (let i = 0; i < 40; i++) {
				let u = rng();
				let c = 0;
				while (c < 3 && u >= cells[c]) u -= cells[c++];
				counts[c]++;
			}
			const r = cohenKappaInterval([
				[counts[0], counts[1]],
				[counts[2], counts[3]]
			]);
			if (counts[1] + counts[2] === 0) perfect++;
			if (r.lower !== null && r.lower <= truth && truth <= r.upper!) covered++;
		}
		expect(perfect / runs).toBeGreaterThan(0.35);
		expect(covered / runs).toBeGreaterThan(0.9);
	});
});
