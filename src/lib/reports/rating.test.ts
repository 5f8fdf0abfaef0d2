import { describe, expect, it } from 'vitest';
import { compareOrdinalRatings } from '$lib/stats';
import { aOrBText, aOrBVerdict, compareModels, modelRatingRows, orientComparison } from './rating';
import type { RatingItemVerdict } from './verdicts';
import type { Rating } from './types';

function items(pairs: Array<[Rating | null, Rating | null]>): RatingItemVerdict[] {
	return pairs.map(([a, b], i) => ({
		itemId: i + 1,
		labels: 1,
		adjudicated: false,
		tie: false,
		disagreement: false,
		responses: [
			{ responseId: 2 * i + 1, model: 'x', counts: { A: 0, B: 0, C: 0, D: 0 }, labels: 1, rating: a, tied: [], tie: false, adjudicated: false, basis: 'single' as const },
			{ responseId: 2 * i + 2, model: 'y', counts: { A: 0, B: 0, C: 0, D: 0 }, labels: 1, rating: b, tied: [], tie: false, adjudicated: false, basis: 'single' as const }
		]
	}));
}

describe('rated A or B, decided on that measure', () => {
	/** One response of model x per entry, rated by two reviewers (no adjudication unless given). */
	function rated(pairs: Array<[Rating, Rating, Rating?]>): RatingItemVerdict[] {
		return pairs.map(([first, second, adjudicated], i) => {
			const counts = { A: 0, B: 0, C: 0, D: 0 };
			counts[first] += 1;
			counts[second] += 1;
			const rating = adjudicated ?? (first === second ? first : null);
			return {
				itemId: i + 1,
				labels: 2,
				adjudicated: !!adjudicated,
				tie: rating === null,
				disagreement: first !== second,
				responses: [{ responseId: i + 1, model: 'x', counts, labels: 2, rating, tied: rating === null ? [first, second] : [], tie: rating === null, adjudicated: !!adjudicated, basis: adjudicated ? ('adjudicated' as const) : ('majority' as const) }]
			};
		});
	}

	it('a worked example: letters that differ but agree on A-or-B decide it; only a split across B/C is a tie, counted both ways', () => {
		// The audit-2 shape: most responses' two reviewers gave different letters. Letters decide 2
		// responses (A A, C C); A-or-B decides 2 + 2 (A B, B A) + 2 (C D, D C) = 6 more; B C and A D tie.
		const [x] = modelRatingRows(['x'], rated([['A', 'A'], ['C', 'C'], ['A', 'B'], ['B', 'A'], ['C', 'D'], ['D', 'C'], ['B', 'C'], ['A', 'D']]), { confidence: 0.95 });
		expect(x.n).toBe(2);
		expect(x.ties).toBe(6);
		expect(x.aOrB).toMatchObject({ successes: 3, trials: 8, proportion: 3 / 8 });
		expect(x.aOrBHigh).toMatchObject({ successes: 5, trials: 8 });
		expect(x.aOrBTies).toBe(2);
		expect(aOrBText(x, (p) => `${(p! * 100).toFixed(1)}%`)).toBe('37.5%–62.5%');
	});

	it('an adjudication decides; three reviewers decide by the side most of them are on', () => {
		expect(aOrBVerdict({ counts: { A: 0, B: 1, C: 1, D: 0 }, rating: 'C', adjudicated: true })).toBe(false);
		expect(aOrBVerdict({ counts: { A: 1, B: 0, C: 1, D: 1 }, rating: null, adjudicated: false })).toBe(false);
		expect(aOrBVerdict({ counts: { A: 1, B: 1, C: 1, D: 0 }, rating: null, adjudicated: false })).toBe(true);
		expect(aOrBVerdict({ counts: { A: 0, B: 0, C: 0, D: 0 }, rating: null, adjudicated: false })).toBeNull();
	});

	it('simulation: over random two-reviewer ratings the A-or-B n counts every response except B/C-style splits, never fewer than the letters', () => {
		let seed = 11;
		const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 4;
		const letters: Rating[] = ['A', 'B', 'C', 'D'];
		const pairs = Array.from({ length: 400 }, () => [letters[next()], letters[next()]] as [Rating, Rating]);
		const [x] = modelRatingRows(['x'], rated(pairs), { confidence: 0.95 });
		const split = pairs.filter(([a, b]) => (a <= 'B') !== (b <= 'B')).length;
		expect(x.aOrBTies).toBe(split);
		expect(x.aOrB.trials).toBe(400);
		expect(x.aOrB.successes).toBe(pairs.filter(([a, b]) => a <= 'B' && b <= 'B').length);
		expect(x.aOrB.trials - x.aOrBTies).toBeGreaterThan(x.n);
	});
});

describe('orientComparison', () => {
	const data = items([
		['A', 'C'],
		['B', 'B'],
		['A', 'D'],
		['C', 'A'],
		['B', 'D'],
		[null, 'A']
	]);
	const xy = compareModels('x', 'y', data);

	it('returns the pair as computed, or mirrored exactly as computing it the other way round', () => {
		expect(orientComparison([xy], 'x', 'y')).toBe(xy);
		const mirrored = orientComparison([xy], 'y', 'x')!;
		const direct = compareModels('y', 'x', data);
		expect(mirrored.firstBetter).toBe(direct.firstBetter);
		expect(mirrored.secondBetter).toBe(direct.secondBetter);
		expect(mirrored.medianDifference).toBe(direct.medianDifference);
		expect(mirrored.wilcoxon.statistic).toBeCloseTo(direct.wilcoxon.statistic, 12);
		expect(mirrored.wilcoxon.z).toBeCloseTo(direct.wilcoxon.z!, 12);
		expect(mirrored.wilcoxon.pValue).toBeCloseTo(direct.wilcoxon.pValue, 12);
		expect(mirrored.sign).toEqual(direct.sign);
		expect({ ...mirrored, wilcoxon: null }).toEqual({ ...direct, wilcoxon: null });
		expect(orientComparison([xy], 'x', 'z')).toBeNull();
	});

	it('pairs the final ratings task by task, leaving out unrated responses', () => {
		// Same numbers as comparing the paired lists directly.
		const expected = compareOrdinalRatings(['A', 'B', 'A', 'C', 'B'], ['C', 'B', 'D', 'A', 'D'], ['A', 'B', 'C', 'D']);
		expect(xy).toMatchObject({ tasks: 6, pairs: 5, firstBetter: expected.firstBetter, secondBetter: expected.secondBetter, same: expected.same });
		expect(xy.wilcoxon.pValue).toBe(expected.wilcoxon.pValue);
	});
});
