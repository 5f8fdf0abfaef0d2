import { describe, expect, it } from 'vitest';
import { clusteredMeanOfShares, compareOrdinalRatings as compareFinalRatings, wilcoxonSignedRank, wilsonInterval } from '$lib/stats';
import { compareModels, medianDifferenceText, modelRatingRows, orientComparison, responseScore } from './rating';
import type { RatingItemVerdict } from './verdicts';
import type { Rating } from './types';

function countsOf(...ratings: Array<Rating | null>): Record<Rating, number> {
	const counts = { A: 0, B: 0, C: 0, D: 0 };
	for (const r of ratings) if (r) counts[r] += 1;
	return counts;
}

function items(pairs: Array<[Rating | null, Rating | null]>): RatingItemVerdict[] {
	return pairs.map(([a, b], i) => ({
		itemId: i + 1,
		labels: 1,
		adjudicated: false,
		tie: false,
		disagreement: false,
		responses: [
			{ responseId: 2 * i + 1, model: 'x', counts: countsOf(a), labels: a ? 1 : 0, rating: a, tied: [], tie: false, adjudicated: false, basis: 'single' as const },
			{ responseId: 2 * i + 2, model: 'y', counts: countsOf(b), labels: b ? 1 : 0, rating: b, tied: [], tie: false, adjudicated: false, basis: 'single' as const }
		]
	}));
}

/** One response per model per task, each rated by the reviewers listed (letters), or adjudicated ('=A'). */
function tasks(rows: Array<Record<string, string>>): RatingItemVerdict[] {
	return rows.map((row, i) => ({
		itemId: i + 1,
		labels: 2,
		adjudicated: false,
		tie: false,
		disagreement: false,
		responses: Object.entries(row).map(([model, letters], j) => {
			const adjudicated = letters.startsWith('=') ? (letters[1] as Rating) : null;
			const given = (adjudicated ? '' : letters).split('') as Rating[];
			const counts = countsOf(...given);
			const rating = adjudicated ?? (given.length && given.every((l) => l === given[0]) ? given[0] : null);
			return { responseId: 10 * i + j, model, counts, labels: given.length, rating, tied: [], tie: !rating && given.length > 0, adjudicated: !!adjudicated, basis: 'majority' as const };
		})
	}));
}

describe('A–D shares at the label level (each response once, shared among its reviewers)', () => {
	it('a worked example: A/A, A/B, C/D, B/B', () => {
		const [x] = modelRatingRows(['x'], tasks([{ x: 'AA' }, { x: 'AB' }, { x: 'CD' }, { x: 'BB' }]), { confidence: 0.95 });
		// A: (1 + ½ + 0 + 0)/4; B: (0 + ½ + 0 + 1)/4; C and D: ½/4 each.
		expect(x.n).toBe(4);
		expect(x.labels).toBe(8);
		expect(x.disagreements).toBe(2);
		expect(x.counts).toEqual({ A: 1.5, B: 1.5, C: 0.5, D: 0.5 });
		expect(x.shares).toEqual({ A: 0.375, B: 0.375, C: 0.125, D: 0.125 });
		expect(x.aOrB.proportion).toBe(0.75);
		expect(x.aOrB.trials).toBe(4);
		// A's interval is the clustered one over the responses' own A shares (1, ½, 0, 0).
		const expected = clusteredMeanOfShares([1, 0.5, 0, 0], { labels: 8 });
		expect(x.levels.A.lower).toBeCloseTo(expected.lower, 12);
		expect(x.levels.A.upper).toBeCloseTo(expected.upper, 12);
		// By hand: r = 3/8, Σ(pᵢ − r)² = 25/64 + 1/64 + 9/64 + 9/64 = 11/16, v = (11/16)/(4·3) = 11/192;
		// against 8 labels drawn at random, r(1 − r)/(8 − 1) = 15/448: deff = (11/192)/(15/448) = 77/45,
		// n* = 8/deff = 360/77 ≈ 4.68 responses' worth (between 4 responses and 8 labels).
		expect(expected.effectiveSize).toBeCloseTo(360 / 77, 12);
		// A or B is whole on every response here (A/B is A or B either way): 3 of 4, Wilson as for responses.
		expect(x.aOrB).toMatchObject({ successes: 3, trials: 4 });
		expect(x.aOrB.lower).toBeCloseTo(wilsonInterval(3, 4).lower, 12);
		expect(x.levels.A.lower).toBeLessThan(0.375);
		expect(x.levels.A.upper).toBeGreaterThan(0.375);
	});

	it('an adjudicated response counts as its rating; unrated ones stay out of n', () => {
		const [x] = modelRatingRows(['x'], tasks([{ x: '=C' }, { x: 'AB' }, { x: '' }]), { confidence: 0.95 });
		expect(x).toMatchObject({ n: 2, unrated: 1, adjudicated: 1, counts: { A: 0.5, B: 0.5, C: 1, D: 0 } });
	});

	it('one reviewer per response: counts and Wilson intervals as before', () => {
		const [x] = modelRatingRows(['x'], tasks([{ x: 'A' }, { x: 'B' }, { x: 'B' }, { x: 'D' }]), { confidence: 0.95 });
		expect(x.counts).toEqual({ A: 1, B: 2, C: 0, D: 1 });
		expect(x.levels.B).toMatchObject({ successes: 2, trials: 4, proportion: 0.5 });
		expect(x.levels.B.lower).toBeCloseTo(0.15003, 4);
		expect(x.aOrB).toMatchObject({ successes: 3, trials: 4 });
	});

	it('the tester\'s shape (k = 2, one-letter disagreements): n is every rated response, in the shares and in the paired test', () => {
		// 30 tasks; on 13 of them davinci's two reviewers differ by one letter (A/B or C/D), which the
		// old report dropped as ties (n = 17), and on 18 some response of either model was split.
		const rows: Array<Record<string, string>> = [];
		for (let i = 0; i < 30; i++) {
			const davinci = i < 13 ? (i % 2 ? 'AB' : 'CD') : i % 3 ? 'BB' : 'DD';
			const text = i >= 25 ? 'AB' : i % 2 ? 'AA' : 'BC';
			rows.push({ davinci, 'text-davinci-003': text });
		}
		const verdicts = tasks(rows);
		const [davinci, text] = modelRatingRows(['davinci', 'text-davinci-003'], verdicts, { confidence: 0.95 });
		expect(davinci.n).toBe(30);
		expect(text.n).toBe(30);
		expect(RATING_SUM(davinci.counts)).toBeCloseTo(30, 12);
		const c = compareModels('davinci', 'text-davinci-003', verdicts);
		expect(c).toMatchObject({ tasks: 30, pairs: 30, notRatedByBoth: 0 });
		expect(c.firstBetter + c.secondBetter + c.same).toBe(30);
		// The differences are those of the mean scores (A = 4 … D = 1), mid-ranked.
		const scores = (model: string) => verdicts.map((v) => responseScore(v.responses.find((r) => r.model === model)!)!);
		const d = scores('davinci');
		const t = scores('text-davinci-003');
		expect(c.wilcoxon.pValue).toBeCloseTo(wilcoxonSignedRank(d, t).pValue, 12);
		expect(c.wilcoxon.n).toBe(d.filter((s, i) => s !== t[i]).length);
	});

	it('paired test: mean scores, and a task with one side unrated is left out and counted', () => {
		const verdicts = tasks([
			{ x: 'AB', y: 'BB' }, // 3.5 vs 3: x better
			{ x: 'CD', y: 'DD' }, // 1.5 vs 1: x better
			{ x: 'BB', y: 'AB' }, // 3 vs 3.5: y better
			{ x: 'AA', y: 'AA' }, // same
			{ x: '', y: 'AA' } // x not rated: left out
		]);
		const c = compareModels('x', 'y', verdicts);
		expect(c).toMatchObject({ tasks: 5, pairs: 4, notRatedByBoth: 1, firstBetter: 2, secondBetter: 1, same: 1, medianDifference: 0.25 });
		// Three |differences| of ½ share the mid-rank 2: V = 2 + 2 = 4, zero difference dropped.
		expect(c.wilcoxon).toMatchObject({ n: 3, zeros: 1, statistic: 4, method: 'normal' });
		expect(c.sign).toMatchObject({ n: 3, positive: 2, negative: 1 });
	});
});

function RATING_SUM(counts: Record<Rating, number>): number {
	return counts.A + counts.B + counts.C + counts.D;
}

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
		const expected = compareFinalRatings(['A', 'B', 'A', 'C', 'B'], ['C', 'B', 'D', 'A', 'D'], ['A', 'B', 'C', 'D']);
		expect(xy).toMatchObject({ tasks: 6, pairs: 5, firstBetter: expected.firstBetter, secondBetter: expected.secondBetter, same: expected.same });
		expect(xy.wilcoxon.pValue).toBe(expected.wilcoxon.pValue);
	});
});

describe('medianDifferenceText', () => {
	it('rounds to two decimals with its sign, as every table shows it (the CLI printed 0.333333333)', () => {
		expect(medianDifferenceText(1 / 3)).toBe('+0.33');
		expect(medianDifferenceText(-0.5)).toBe('−0.5');
		expect(medianDifferenceText(0)).toBe('0');
		expect(medianDifferenceText(0.001)).toBe('0');
		expect(medianDifferenceText(null)).toBe('—');
	});
});
