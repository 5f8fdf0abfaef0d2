import { describe, expect, it } from 'vitest';
import { seedCountText } from './seeds';

describe('seedCountText', () => {
	it('says how many of the given seeds a classification-only run could use', () => {
		expect(seedCountText({ count: 5, given: 20, unit: 'tasks', classificationOnly: true })).toBe('5 of the 20 seed tasks (classification only)');
	});
	it('says the given count when every seed was usable', () => {
		expect(seedCountText({ count: 20, given: 20, unit: 'tasks', classificationOnly: false })).toBe('20 seed tasks');
		expect(seedCountText({ count: 3, given: 3, unit: 'sets', classificationOnly: false })).toBe('3 seed sets of demonstrations');
	});
});
