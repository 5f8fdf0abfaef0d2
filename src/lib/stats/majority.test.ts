import { describe, expect, it } from 'vitest';
import { majorityLabel } from './majority';

describe('majorityLabel', () => {
	it('takes the most frequent value', () => {
		expect(majorityLabel(['yes', 'no', 'yes'])).toEqual({ kind: 'majority', label: 'yes', count: 2, total: 3 });
		expect(majorityLabel(['A'])).toEqual({ kind: 'majority', label: 'A', count: 1, total: 1 });
	});

	it('is a plurality, not a strict majority', () => {
		// 2 of 5 is no majority, but it is the most frequent answer.
		const result = majorityLabel(['B', 'B', 'A', 'C', 'D']);
		expect(result).toEqual({ kind: 'majority', label: 'B', count: 2, total: 5 });
	});

	it('flags ties and lists the tied values in order of first appearance', () => {
		expect(majorityLabel(['no', 'yes'])).toEqual({ kind: 'tie', tied: ['no', 'yes'], count: 1, total: 2 });
		expect(majorityLabel(['C', 'A', 'A', 'B', 'C', 'B'])).toEqual({
			kind: 'tie',
			tied: ['C', 'A', 'B'],
			count: 2,
			total: 6
		});
	});

	it('ignores missing ratings (skips), so a skip cannot create or break a tie', () => {
		expect(majorityLabel(['yes', null, 'no', undefined, 'yes'])).toMatchObject({ kind: 'majority', label: 'yes', total: 3 });
		expect(majorityLabel([null, undefined])).toEqual({ kind: 'none', total: 0 });
		expect(majorityLabel([])).toEqual({ kind: 'none', total: 0 });
	});

	it('keeps value types distinct (true is not "true")', () => {
		expect(majorityLabel<boolean | string>([true, 'true', true])).toMatchObject({ kind: 'majority', label: true });
	});
});
