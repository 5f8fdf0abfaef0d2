import { describe, expect, it } from 'vitest';
import { closingConsequence } from './closing';

describe('closingConsequence', () => {
	it('says nothing when nobody is labelling', () => {
		expect(closingConsequence(0, 0, 'now')).toBe('');
	});
	it('names the items being labelled and what happens to their labels, before and after', () => {
		expect(closingConsequence(2, 1, 'now')).toBe(
			"2 items are being labelled now (1 reviewer): once the audit is closed, their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is reopened."
		);
		expect(closingConsequence(1, 1, 'were')).toMatch(/^1 item was being labelled \(1 reviewer\): their labels are not accepted\./);
	});
	it('says the same of archiving, undone by restoring', () => {
		expect(closingConsequence(1, 1, 'were', 'archived')).toBe(
			"1 item was being labelled (1 reviewer): their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is restored."
		);
		expect(closingConsequence(2, 2, 'now', 'closed or archived')).toBe(
			"2 items are being labelled now (2 reviewers): once the audit is closed or archived, their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is reopened or restored."
		);
	});
});
