import { describe, expect, it } from 'vitest';
import { draftFromSuggestion, suggestionFromVerdicts } from './suggestions';
import { completeDraft } from './answers';

describe('suggestionFromVerdicts', () => {
	it('reads the three verdicts and reasons of a parsed quality label', () => {
		const s = suggestionFromVerdicts(4, 'judge-m', {
			instruction: { valid: true, reason: ' Clear task. ' },
			input: { valid: false, reason: 'Input is empty.' },
			output: { valid: true }
		});
		expect(s).toEqual({
			runId: 4,
			model: 'judge-m',
			answers: { instruction: true, input: false, output: true },
			reasons: { instruction: 'Clear task.', input: 'Input is empty.', output: '' }
		});
	});

	it('gives no suggestion for anything else (never guesses)', () => {
		expect(suggestionFromVerdicts(1, 'm', null)).toBeNull();
		expect(suggestionFromVerdicts(1, 'm', { rating: 'A' })).toBeNull();
		expect(suggestionFromVerdicts(1, 'm', { instruction: { valid: 'yes' }, input: { valid: true }, output: { valid: true } })).toBeNull();
		expect(suggestionFromVerdicts(1, 'm', { instruction: { valid: true }, input: { valid: true } })).toBeNull();
	});

	it('caps a long reason', () => {
		const long = 'x'.repeat(2000);
		const s = suggestionFromVerdicts(1, 'm', { instruction: { valid: true, reason: long }, input: { valid: true }, output: { valid: true } });
		expect(s!.reasons.instruction).toHaveLength(500);
	});
});

describe('draftFromSuggestion', () => {
	it('pre-fills the three answers and the reason a "no" implies, and the draft is complete but unsent', () => {
		const s = suggestionFromVerdicts(1, 'm', { instruction: { valid: true }, input: { valid: true }, output: { valid: false, reason: 'Wrong sum.' } })!;
		const d = draftFromSuggestion(s);
		expect(d.answers).toEqual({ instruction: true, input: true, output: false });
		expect(d.reason).toBe('incorrect_output');
		expect(d.reasonChosen).toBe(false);
		expect(d.comment).toBe('');
		expect(completeDraft(d).ok).toBe(true);
	});

	it('has no reason when the judge says all valid', () => {
		const s = suggestionFromVerdicts(1, 'm', { instruction: { valid: true }, input: { valid: true }, output: { valid: true } })!;
		expect(draftFromSuggestion(s).reason).toBeNull();
	});
});
