import { describe, expect, it } from 'vitest';
import { holmAdjusted } from './multiple';

describe('holmAdjusted', () => {
	it('worked example: p = 0.01, 0.02, 0.03, 0.04, 0.05 → 0.05, 0.08, 0.09, 0.09, 0.09', () => {
		// By hand: 5 × 0.01 = 0.05, 4 × 0.02 = 0.08, 3 × 0.03 = 0.09, then 2 × 0.04 = 0.08 and 1 × 0.05
		// are raised to the running maximum 0.09 (the same as R's p.adjust(…, "holm")).
		const adjusted = holmAdjusted([0.01, 0.02, 0.03, 0.04, 0.05]);
		[0.05, 0.08, 0.09, 0.09, 0.09].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
	});

	it('keeps the order given, caps at 1, and leaves a single test alone', () => {
		// Sorted: 0.005 × 4 = 0.02, 0.01 × 3 = 0.03, 0.03 × 2 = 0.06, 0.04 × 1 → 0.06.
		const adjusted = holmAdjusted([0.01, 0.04, 0.03, 0.005]);
		[0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
		[1, 0.6, 1].forEach((p, i) => expect(holmAdjusted([0.6, 0.2, 0.9])[i]).toBeCloseTo(p, 12));
		expect(holmAdjusted([0.03])).toEqual([0.03]);
		expect(holmAdjusted([])).toEqual([]);
		expect(() => holmAdjusted([1.5])).toThrow(RangeError);
	});
});
