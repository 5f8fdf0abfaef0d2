import { describe, expect, it } from 'vitest';
import { judgeResults, judgeUnit } from './judge-results';

const counters = { allValid: 0, ratings: { A: 3, C: 2 }, winners: { first: 18, second: 8, tie: 10 }, inconsistent: 6 };

describe('judgeResults', () => {
	it('speaks of pairs, winners and inconsistent orders for a pairwise run, never of "all valid"', () => {
		const r = judgeResults('pairwise', counters);
		expect(r.unit).toBe('pairs');
		expect(r.readable).toBe('first 18, second 8, tie 10; 6 inconsistent');
		expect(r.figures.map((f) => f.value)).toEqual([18, 8, 10, 6]);
		expect(JSON.stringify(r)).not.toMatch(/all valid|three yes/i);
	});
	it('counts A–D for a rating run and all valid for a quality run', () => {
		expect(judgeResults('rating', counters)).toMatchObject({ unit: 'responses', readable: '3 A, 0 B, 2 C, 0 D' });
		expect(judgeResults('quality', { ...counters, allValid: 7 })).toMatchObject({ unit: 'rows', readable: '7 all valid', figures: [{ label: 'All three yes', value: 7 }] });
	});
});

describe('judgeUnit', () => {
	it('is the unit of a run\'s target and counters in each mode', () => {
		expect(judgeUnit('quality')).toBe('rows');
		expect(judgeUnit('rating')).toBe('responses');
		expect(judgeUnit('pairwise')).toBe('pairs');
	});
});
