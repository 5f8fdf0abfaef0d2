import { describe, expect, it } from 'vitest';
import { generationVerdictsNote } from './automatic-filters';

describe('generationVerdictsNote', () => {
	it('names the generation run and its filters as what judged the rows, and what Apply filters would do', () => {
		const note = generationVerdictsNote([{ id: 3, pipeline: 'self-instruct', filters: ['preset self-instruct', 'ROUGE-L ≤ 0.7'] }]);
		expect(note).toBe(
			"No filter run yet: the rows carry the verdicts of the filters generation run 3 applied as it generated the rows (preset self-instruct, ROUGE-L ≤ 0.7). Apply filters replaces those verdicts; rejections that are not the filters' to give (beyond the run's target, held back by a failed call, an output cut by the length limit) stand."
		);
	});
});
