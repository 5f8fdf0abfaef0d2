import { describe, expect, it } from 'vitest';
import { wholeDatasetChoice } from './wording';

describe('wholeDatasetChoice', () => {
	it('says how many rows the run will judge, and how many of them a filter rejected', () => {
		expect(wholeDatasetChoice('quality', { units: 90, rejectedUnits: 10 })).toBe(
			'The whole dataset: all 90 rows the audit sampled from, including 10 rejected by filters (needed for the whole-dataset estimate)'
		);
		expect(wholeDatasetChoice('quality', { units: 80, rejectedUnits: 0 })).toBe('The whole dataset: all 80 rows the audit sampled from (needed for the whole-dataset estimate)');
		expect(wholeDatasetChoice('rating', { units: 1, rejectedUnits: 0 })).toBe('The whole dataset: all 1 model response the audit sampled from');
		expect(wholeDatasetChoice('pairwise', null)).toBe('The whole dataset: every pair the audit sampled from');
	});
});
