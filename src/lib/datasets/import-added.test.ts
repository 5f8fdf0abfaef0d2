import { describe, expect, it } from 'vitest';
import { importAddedText } from './import-added';

describe('importAddedText', () => {
	const none = { tasksAdded: 0, instancesAdded: 0, responsesAdded: 0, pairsAdded: 0, conversationsAdded: 0, skippedDuplicates: 0 };
	it('names every kind of row added (a preference import read "8 responses" only) and the duplicates skipped', () => {
		expect(importAddedText({ ...none, tasksAdded: 3, instancesAdded: 2, pairsAdded: 4, responsesAdded: 8 })).toBe('3 tasks, 2 inst., 4 pairs, 8 responses');
		expect(importAddedText({ ...none, skippedDuplicates: 4 })).toBe('0 tasks, 0 inst.; 4 duplicates skipped');
		expect(importAddedText({ ...none, tasksAdded: 1200, instancesAdded: 1500, conversationsAdded: 1500, skippedDuplicates: 1 })).toBe('1,200 tasks, 1,500 inst., 1,500 conv.; 1 duplicate skipped');
	});
});
