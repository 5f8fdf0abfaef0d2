import { describe, expect, it } from 'vitest';
import { cohenKappaInterval } from './kappa-interval';

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
});
