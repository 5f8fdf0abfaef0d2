import { describe, expect, it } from 'vitest';
import { PatternBuffer, lcsLength, lcsLengthDp, popcount32 } from './lcs';
import { createRng as rng } from '../random';

describe('LCS', () => {
	it('hand-checked values', () => {
		expect(lcsLengthDp([1, 2, 3, 4], [2, 4])).toBe(2);
		expect(lcsLength([1, 2, 3, 4], [2, 4])).toBe(2);
		expect(lcsLength([1, 2, 3, 2, 1], [3, 2, 1, 2, 3])).toBe(3);
		expect(lcsLength([], [1, 2])).toBe(0);
		expect(lcsLength([7, 7, 7], [7, 7])).toBe(2);
		expect(lcsLength([1, 2, 3], [4, 5, 6])).toBe(0);
	});

	it('popcount32', () => {
		expect(popcount32(0)).toBe(0);
		expect(popcount32(-1)).toBe(32);
		expect(popcount32(0x80000001)).toBe(2);
		expect(popcount32(0x0f0f0f0f)).toBe(16);
	});

	it('bit-parallel equals the dynamic programme on random sequences of every size class', () => {
		const random = rng(42);
		const pattern = new PatternBuffer();
		for (let trial = 0; trial < 3000; trial++) {
			// lengths around the 32-bit word boundaries, small alphabets for many matches
			const m = [0, 1, 5, 31, 32, 33, 63, 64, 65, 100, 150][trial % 11] + (trial % 3 === 0 ? Math.floor(random() * 5) : 0);
			const n = Math.floor(random() * 160);
			const alphabet = 1 + Math.floor(random() * 12);
			const a = Array.from({ length: m }, () => Math.floor(random() * alphabet));
			const b = Array.from({ length: n }, () => Math.floor(random() * alphabet));
			const expected = lcsLengthDp(a, b);
			expect(lcsLength(a, b)).toBe(expected);
			pattern.set(a);
			expect(pattern.lcs(b)).toBe(expected);
		}
	});

	it('a pattern buffer compares one pattern with many texts and sub-ranges', () => {
		const pattern = new PatternBuffer();
		pattern.set([5, 6, 7, 8]);
		expect(pattern.lcs([9, 5, 6, 9, 8])).toBe(3);
		expect(pattern.lcs([0, 5, 6, 7, 8, 0], 1, 3)).toBe(2);
		expect(pattern.lcs([1000000, 7])).toBe(1); // token ids beyond the slot table
		pattern.set([1, 2]);
		expect(pattern.lcs([5, 6, 7, 8])).toBe(0);
	});
});
