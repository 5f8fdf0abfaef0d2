import { describe, expect, it } from 'vitest';
import { describedBy } from './forms';

describe('describedBy', () => {
	it('names the ids present, in order, and nothing when none is', () => {
		expect(describedBy('hint', 'seed-error')).toBe('hint seed-error');
		expect(describedBy('hint', false)).toBe('hint');
		const noError: string | null = null;
		expect(describedBy(undefined, noError && 'seed-error', null)).toBeUndefined();
		expect(describedBy(undefined, 'x-error')).toBe('x-error');
	});
});
