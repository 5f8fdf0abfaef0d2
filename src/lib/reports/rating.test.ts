import { describe, expect, it } from 'vitest';
import { compareOrdinalRatings } from '$lib/stats';
import { compareModels, orientComparison } from './rating';
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
