import { describe, expect, it } from 'vitest';
import { reviewingNote } from './disabled-reviewer';

describe('reviewingNote', () => {
	it('names the open audits a disabled or enabled account reviews', () => {
		expect(reviewingNote(true, [{ id: 3, name: 'Pilot' }])).toBe(
			'They were reviewing open audit "Pilot" (#3); the items they held went back to the other reviewers, and they count as a reviewer there again once enabled.'
		);
		expect(reviewingNote(true, [{ id: 3, name: 'Pilot' }, { id: 4, name: 'Main' }])).toMatch(/^They were reviewing 2 open audits: "Pilot" \(#3\), "Main" \(#4\);/);
		expect(reviewingNote(false, [{ id: 3, name: 'Pilot' }])).toBe('They are a reviewer again of open audit "Pilot" (#3).');
		expect(reviewingNote(true, [])).toBe('');
	});
});
