import { describe, expect, it } from 'vitest';
import { formatTokenPair } from './format';

describe('formatTokenPair', () => {
	it('writes both sides in the unit the larger needs', () => {
		expect(formatTokenPair(13_512, 938)).toBe('13.5 k + 0.9 k');
		expect(formatTokenPair(938, 13_512)).toBe('0.9 k + 13.5 k');
		expect(formatTokenPair(2_400_000, 51_000)).toBe('2.40 M + 0.05 M');
		expect(formatTokenPair(9_999, 12)).toBe('9,999 + 12');
	});
});
