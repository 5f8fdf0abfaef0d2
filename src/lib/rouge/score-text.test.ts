import { describe, expect, it } from 'vitest';
import { formatScoreAbove } from './score-text';

describe('formatScoreAbove', () => {
	it('shows two decimals, or every digit where two would not read as above the threshold', () => {
		expect(formatScoreAbove(0.8333333333333334, 0.7)).toBe('0.83');
		expect(formatScoreAbove(0.7000000000000001, 0.7)).toBe('0.7000000000000001');
		expect(formatScoreAbove(0.7049, 0.7)).toBe('0.7049');
		expect(formatScoreAbove(0.9999, 0.7)).toBe('0.9999');
		expect(formatScoreAbove(1, 0.7)).toBe('1');
	});
});
