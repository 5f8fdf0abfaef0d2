import { describe, expect, it } from 'vitest';
import { MODE_SIDES, judgeUnitCallKey } from './units';

describe('judge call keys', () => {
	it('name the unit, the order (pairwise) and the retry, and stay as the quality judge had them', () => {
		expect(judgeUnitCallKey('quality', 12)).toBe('judge/instance 12');
		expect(judgeUnitCallKey('quality', 12, 'single', true)).toBe('judge/instance 12/retry');
		expect(judgeUnitCallKey('rating', 7)).toBe('judge/response 7');
		expect(judgeUnitCallKey('pairwise', 3, 'original')).toBe('judge/pair 3/original');
		expect(judgeUnitCallKey('pairwise', 3, 'swapped', true)).toBe('judge/pair 3/swapped/retry');
	});

	it('every pair is asked in both orders; other units once', () => {
		expect(MODE_SIDES.pairwise).toEqual(['original', 'swapped']);
		expect(MODE_SIDES.rating).toEqual(['single']);
		const keys = MODE_SIDES.pairwise.flatMap((side) => [false, true].map((retry) => judgeUnitCallKey('pairwise', 1, side, retry)));
		expect(new Set(keys).size).toBe(4);
	});
});
