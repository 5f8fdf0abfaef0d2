import { describe, expect, it } from 'vitest';
import { cohenKappaInterval } from '$lib/stats/kappa-interval';
import { wilsonInterval } from '$lib/stats/proportion';
import {
	allValid,
	binaryCalibration,
	pairMajority,
	pairwiseCalibration,
	preferenceFromRatings,
	qualityCalibration,
	ratingCalibration,
	type QualityAnswers
} from './calibration';

function repeat<T>(value: T, times: number): T[] {
	return Array.from({ length: times }, () => value);
}

describe('binaryCalibration', () => {
	// Cohen's κ worked example (Wikipedia, "Cohen's kappa", example 1): 50 items, rater A yes / B yes
	// 20, A yes / B no 5, A no / B yes 10, A no / B no 15: pₒ = 0.7, pₑ = 0.5, κ = 0.4. Here the judge
	// is A and the human B.
	const pairs = [
		...repeat([true, true] as const, 20),
		...repeat([true, false] as const, 5),
		...repeat([false, true] as const, 10),
		...repeat([false, false] as const, 15)
	];

	it('gives agreement, κ, the confusion matrix and the judge’s rates with Wilson intervals', () => {
		const c = binaryCalibration(pairs);
		expect(c.pairs).toBe(50);
		expect(c.confusion).toEqual({ truePositives: 20, falseNegatives: 10, falsePositives: 5, trueNegatives: 15 });
		expect(c.agreement.proportion).toBeCloseTo(0.7, 15);
		expect(c.agreement).toEqual(wilsonInterval(35, 50));
		expect(c.kappa.kappa).toBeCloseTo(0.4, 15);
		expect(c.kappa.expectedAgreement).toBeCloseTo(0.5, 15);
		expect(c.kappaInterval).toEqual(cohenKappaInterval([[20, 5], [10, 15]]));
		expect(c.kappaInterval.lower!).toBeLessThan(0.4);
		expect(c.kappaInterval.upper!).toBeGreaterThan(0.4);
		expect(c.sensitivity).toEqual(wilsonInterval(20, 30));
		expect(c.specificity).toEqual(wilsonInterval(15, 20));
		expect(c.precision).toEqual(wilsonInterval(20, 25));
		expect(c.negativePredictiveValue).toEqual(wilsonInterval(15, 25));
		expect(c.humanYesRate).toBeCloseTo(0.6, 15);
		expect(c.judgeYesRate).toBeCloseTo(0.5, 15);
	});

	it('leaves out rows missing a side and counts them apart', () => {
		const c = binaryCalibration([...pairs, [null, true], [undefined, false], [true, null], [false, undefined], [null, null]]);
		expect(c.pairs).toBe(50);
		expect(c.judgeMissing).toBe(2);
		expect(c.humanUndecided).toBe(2);
	});

	it('handles no pairs and a judge that always says yes', () => {
		const empty = binaryCalibration([]);
		expect(empty.pairs).toBe(0);
		expect(empty.agreement.proportion).toBeNull();
		expect(empty.kappa.kappa).toBeNull();
		const yesMan = binaryCalibration([...repeat([true, true] as const, 8), ...repeat([true, false] as const, 2)]);
		expect(yesMan.sensitivity.proportion).toBe(1);
		expect(yesMan.specificity.proportion).toBe(0);
		expect(yesMan.negativePredictiveValue.proportion).toBeNull();
		// The judge said yes to all: κ is not informative, null in both fields (the formula's 0 was reported beside a null).
		expect(yesMan.kappa.kappa).toBeNull();
		expect(yesMan.kappaInterval.kappa).toBeNull();
	});

	it('takes another confidence level', () => {
		expect(binaryCalibration(pairs, { confidence: 0.9 }).sensitivity).toEqual(wilsonInterval(20, 30, { confidence: 0.9 }));
	});
});

describe('qualityCalibration', () => {
	const yes: QualityAnswers = { instruction: true, input: true, output: true };
	it('calibrates each question and all fields valid (the conjunction)', () => {
		const rows = [
			{ judge: yes, human: yes },
			{ judge: yes, human: { ...yes, output: false } },
			{ judge: { ...yes, input: false }, human: { ...yes, input: false } },
			{ judge: null, human: yes },
			{ judge: yes, human: { instruction: true, input: null, output: true } }
		];
		const c = qualityCalibration(rows);
		expect(c.output.confusion).toEqual({ truePositives: 3, falseNegatives: 0, falsePositives: 1, trueNegatives: 0 });
		expect(c.input.confusion).toEqual({ truePositives: 2, falseNegatives: 0, falsePositives: 0, trueNegatives: 1 });
		expect(c.input.humanUndecided).toBe(1);
		expect(c.allValid.confusion).toEqual({ truePositives: 1, falseNegatives: 0, falsePositives: 1, trueNegatives: 1 });
		expect(c.allValid.judgeMissing).toBe(1);
		expect(c.allValid.humanUndecided).toBe(1);
	});

	it("takes the report's own all-valid verdict where given: questions that tie can still make a decided no", () => {
		// Two reviewers: one faults the instruction, the other the output. Both questions tie, but
		// both reviewers said "not all valid": the report (and the estimate) decide "no".
		const split = { instruction: null, input: true, output: null };
		const rows = [
			{ judge: yes, human: split, humanAllValid: false },
			{ judge: yes, human: yes, humanAllValid: true }
		];
		const c = qualityCalibration(rows);
		expect(c.allValid.confusion).toEqual({ truePositives: 1, falseNegatives: 0, falsePositives: 1, trueNegatives: 0 });
		expect(c.allValid.humanUndecided).toBe(0);
		// Without it, the conjunction of the tied questions leaves the row out (the judge's false positive vanished).
		expect(qualityCalibration(rows.map(({ judge, human }) => ({ judge, human }))).allValid.humanUndecided).toBe(1);
	});

	it('all fields valid is no as soon as one answer is no, undecided otherwise', () => {
		expect(allValid({ instruction: null, input: false, output: null })).toBe(false);
		expect(allValid({ instruction: true, input: null, output: true })).toBeNull();
		expect(allValid(yes)).toBe(true);
		expect(allValid(null)).toBeNull();
	});
});

describe('ratingCalibration', () => {
	it('exact and adjacent agreement, κ, weighted κ and the A-or-B question', () => {
		const pairs = [
			['A', 'A'],
			['A', 'B'],
			['B', 'B'],
			['C', 'A'],
			['D', 'D'],
			['C', 'C'],
			[null, 'A'],
			['B', null]
		] as const;
		const c = ratingCalibration(pairs);
		expect(c.pairs).toBe(6);
		expect(c.judgeMissing).toBe(1);
		expect(c.humanUndecided).toBe(1);
		expect(c.exactAgreement).toEqual(wilsonInterval(4, 6));
		expect(c.adjacentAgreement).toEqual(wilsonInterval(5, 6));
		expect(c.confusion[2][0]).toBe(1); // judge C, human A
		expect(c.confusion[0][1]).toBe(1); // judge A, human B
		// Acceptable (A or B): judge yes/human yes 2, judge no/human yes 1 (C vs A), no/no 2.
		expect(c.acceptable.confusion).toEqual({ truePositives: 3, falseNegatives: 1, falsePositives: 0, trueNegatives: 2 });
		// κ by hand: pₒ = 4/6; judge marginals A2 B1 C2 D1, human A2 B2 C1 D1; pₑ = (4 + 2 + 2 + 1)/36 = 0.25.
		expect(c.kappa.kappa).toBeCloseTo((4 / 6 - 0.25) / 0.75, 14);
		expect(c.kappaInterval.kappa).toBeCloseTo(c.kappa.kappa!, 15);
		expect(c.kappaInterval.standardError!).toBeGreaterThan(0);
		expect(c.weightedKappa.weights).toBe('quadratic');
		expect(c.weightedKappa.kappa!).toBeGreaterThan(c.kappa.kappa!);
	});

	it('refuses a rating off the scale', () => {
		expect(() => ratingCalibration([['E' as 'A', 'A']])).toThrow(/one of A, B, C, D/);
	});
});

describe('pairwiseCalibration', () => {
	it('agreement with and without ties, as MT-Bench reports it', () => {
		const c = pairwiseCalibration([
			['first', 'first'],
			['second', 'first'],
			['tie', 'tie'],
			['tie', 'first'],
			['first', 'tie'],
			['second', 'second'],
			[null, 'first']
		]);
		expect(c.pairs).toBe(6);
		expect(c.agreementWithTies).toEqual(wilsonInterval(3, 6));
		expect(c.pairsWithoutTies).toBe(3);
		expect(c.agreementWithoutTies).toEqual(wilsonInterval(2, 3));
		expect(c.judgeTies).toBe(2);
		expect(c.judgeMissing).toBe(1);
		// Rows: judge first / second / tie; columns: human.
		expect(c.confusion).toEqual([
			[1, 0, 1],
			[1, 1, 0],
			[1, 0, 1]
		]);
		// pₒ = 3/6; judge margins 2, 2, 2 and human margins 3, 1, 2 give pₑ = 12/36; κ = (1/2 − 1/3)/(2/3) = 1/4.
		expect(c.kappa.kappa).toBeCloseTo(0.25, 12);
		expect(c.kappaInterval).toEqual(cohenKappaInterval(c.confusion));
	});

	it('counts a judge verdict on an undecided human pair apart', () => {
		const c = pairwiseCalibration([
			['first', null],
			['first', 'first']
		]);
		expect(c.pairs).toBe(1);
		expect(c.humanUndecided).toBe(1);
	});

	it('derives a human preference from two ratings', () => {
		expect(preferenceFromRatings('A', 'C')).toBe('first');
		expect(preferenceFromRatings('D', 'B')).toBe('second');
		expect(preferenceFromRatings('B', 'B')).toBe('tie');
		expect(preferenceFromRatings(null, 'B')).toBeNull();
	});
});

describe('pairMajority', () => {
	it('takes the plurality of the reviewers, both-bad as a tie, and leaves a shared plurality undecided', () => {
		expect(pairMajority(['a'])).toBe('first');
		expect(pairMajority(['a', 'b', 'b'])).toBe('second');
		expect(pairMajority(['both_bad', 'tie', 'a'])).toBe('tie');
		expect(pairMajority(['a', 'b'])).toBeNull();
		expect(pairMajority([])).toBeNull();
	});
});

describe('a judge that gives one answer to every item', () => {
	it('has no κ (with the reason to show), while its agreement and confusion stay as they are', async () => {
		const { judgeKappaNote } = await import('$lib/reports/format');
		// Yes to all 26 pairs; the humans said yes to 20.
		const pairs = Array.from({ length: 26 }, (_, k) => [true, k < 20] as const);
		const c = binaryCalibration(pairs);
		expect(c.kappaInterval).toMatchObject({ kappa: null, oneAnswer: 'rows', lower: null, upper: null, n: 26 });
		expect(c.kappa.kappa).toBeNull();
		// The humans giving one answer on every item: the same (E5: "instruction valid" had 0 beside null).
		const humansOne = binaryCalibration(Array.from({ length: 29 }, (_, k) => [k < 22, true] as const));
		expect(humansOne.kappaInterval).toMatchObject({ kappa: null, oneAnswer: 'columns' });
		expect(humansOne.kappa.kappa).toBeNull();
		expect(judgeKappaNote(c.kappaInterval)).toBe('the judge gave one answer to every item');
		expect(c.agreement.proportion).toBeCloseTo(20 / 26, 12);
		expect(c.confusion).toEqual({ truePositives: 20, falseNegatives: 0, falsePositives: 6, trueNegatives: 0 });
	});
});
