import { describe, expect, it } from 'vitest';
import { shortfallMessage } from './shortfall';

describe('shortfallMessage', () => {
	const base = { call: 'instruction-generation call', unit: ['usable instruction', 'usable instructions'] as const, target: 3, limit: 2 };

	it('says one usable instruction, and the ones held back until their failed calls are retried', () => {
		expect(shortfallMessage({ ...base, calls: 2, kept: 1, heldBack: 2, advice: 'Try another model.' })).toBe(
			'Stopped short of the target: 2 instruction-generation calls gave 1 usable instruction of the 3 wanted (2 more held back until their failed calls are retried; limit 2 calls). Try another model.'
		);
	});

	it('counts in the singular and plural, and says nothing held back when nothing is', () => {
		expect(shortfallMessage({ ...base, calls: 1, kept: 0, heldBack: 1 })).toBe(
			'Stopped short of the target: 1 instruction-generation call gave 0 usable instructions of the 3 wanted (1 more held back until its failed call is retried; limit 2 calls).'
		);
		expect(shortfallMessage({ ...base, calls: 2, kept: 2, heldBack: 0 })).not.toMatch(/held back/);
	});
});
