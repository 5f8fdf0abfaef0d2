import { describe, expect, it } from 'vitest';
import { settlesDisagreements, unsettledText } from './disagreements';

describe('why a conversation or pairwise audit has no disagreements to settle', () => {
	it('does not say a conversation report counts every answer: it leads with item majorities whose ties stay unsettled', () => {
		expect(settlesDisagreements('conversation')).toBe(false);
		const text = unsettledText('conversation', 2);
		expect(text).toContain('cannot be adjudicated');
		expect(text).toContain('where they split evenly it stays tied, and the report counts it both ways');
		expect(text).not.toMatch(/their figures count every reviewer's answer/);
		expect(unsettledText('conversation', 1)).toContain("each conversation's and each reply's verdict is its reviewer's answer");
	});

	it('says a pairwise report counts every choice', () => {
		expect(unsettledText('pairwise', 3)).toContain("every reviewer's choice counts as one comparison, including where reviewers differ");
	});
});
