import { describe, expect, it } from 'vitest';
import { parseNearDuplicateThreshold } from './threshold';

describe('parseNearDuplicateThreshold', () => {
	it('takes a decimal from 0.3 up to (not including) 1, and 0.7 when none is given', () => {
		expect(parseNearDuplicateThreshold(null)).toEqual({ value: 0.7 });
		expect(parseNearDuplicateThreshold(' ')).toEqual({ value: 0.7 });
		for (const [raw, value] of [['0.7', 0.7], ['.85', 0.85], ['0.3', 0.3], ['0.999', 0.999], [' 0.5 ', 0.5]] as const) expect(parseNearDuplicateThreshold(raw)).toEqual({ value });
	});
	it('refuses 1 and above (no pair scores above 1) and below 0.3, saying so', () => {
		for (const raw of ['1', '1.0', '1.5', '0.1', '0', '0.29']) {
			const { value, error } = parseNearDuplicateThreshold(raw);
			expect(value).toBe(0.7);
			expect(error).toMatch(/is out of range.*from 0\.3 up to \(not including\) 1/);
		}
		expect(parseNearDuplicateThreshold('1').error).toContain('no two instructions score above 1');
	});
	it('refuses a blank threshold typed on purpose (a command-line option), not an empty form field', () => {
		for (const raw of ['', ' ']) {
			expect(parseNearDuplicateThreshold(raw, { blank: 'refused' })).toEqual({ value: 0.7, error: 'The threshold is empty; give a ROUGE-L F from 0.3 up to (not including) 1, e.g. 0.7.' });
			expect(parseNearDuplicateThreshold(raw)).toEqual({ value: 0.7 });
		}
		expect(parseNearDuplicateThreshold(null, { blank: 'refused' })).toEqual({ value: 0.7 });
	});
	it('refuses every other spelling alike: hex, exponents, signs, words', () => {
		for (const raw of ['0x1', '1e-1', '7e-1', '+0.7', '-0.7', '0,7', 'abc', 'Infinity', 'NaN', '0.7.1']) {
			expect(parseNearDuplicateThreshold(raw).error).toMatch(/is not a number written as a decimal/);
		}
	});
});
