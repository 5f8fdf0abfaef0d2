import { describe, expect, it } from 'vitest';
import { answerQuestion, chooseReason, completeDraft, draftFromAnswer, emptyDraft, rateResponse, summarizeDraft, type ConversationDraft, type QualityDraft, type RatingDraft } from './answers';
import { answerSchema, draftSchema } from './answer-schemas';
import { QUALITY_QUESTIONS, RATING_LEVELS } from './rubric';

describe('rubric', () => {
	it('asks the three questions in the issue\'s exact words', () => {
		expect(QUALITY_QUESTIONS.map((q) => q.text)).toEqual([
			'Does the instruction describe a valid task?',
			'Is the input appropriate for the instruction?',
			'Is the output a correct and acceptable response to the instruction and input?'
		]);
		expect(RATING_LEVELS.map((l) => l.key)).toEqual(['A', 'B', 'C', 'D']);
	});
});

describe('quality drafts', () => {
	it('suggests the taxonomy reason of the first "no" until the reviewer picks one', () => {
		let d = emptyDraft('quality') as QualityDraft;
		d = answerQuestion(d, 'instruction', true);
		d = answerQuestion(d, 'input', true);
		expect(d.reason).toBeNull();
		d = answerQuestion(d, 'output', false);
		expect(d.reason).toBe('incorrect_output');
		d = answerQuestion(d, 'input', false);
		expect(d.reason).toBe('input_mismatch');
		d = chooseReason(d, 'other');
		d = answerQuestion(d, 'instruction', false);
		expect(d.reason).toBe('other');
		// All yes again: no reason, and the suggestion resumes.
		d = answerQuestion(answerQuestion(answerQuestion(d, 'instruction', true), 'input', true), 'output', true);
		expect(d).toMatchObject({ reason: null, reasonChosen: false });
	});

	it('completes only when every question is answered and a "no" has a reason', () => {
		let d = emptyDraft('quality') as QualityDraft;
		expect(completeDraft(d)).toMatchObject({ ok: false, row: 0 });
		d = answerQuestion(answerQuestion(d, 'instruction', true), 'input', true);
		expect(completeDraft(d)).toMatchObject({ ok: false, row: 2 });
		d = answerQuestion(d, 'output', false);
		d = { ...d, reason: null, comment: '  off by one  ' };
		expect(completeDraft(d)).toMatchObject({ ok: false, row: 'reason' });
		d = chooseReason(d, 'incorrect_output');
		expect(completeDraft(d)).toEqual({
			ok: true,
			answer: { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: 'off by one' }
		});
	});

	it('never submits a reason that blames a question answered yes', () => {
		let d = emptyDraft('quality') as QualityDraft;
		d = answerQuestion(answerQuestion(answerQuestion(d, 'instruction', true), 'input', true), 'output', false);
		d = chooseReason(d, 'incomprehensible_instruction');
		expect(completeDraft(d)).toEqual({ ok: false, problem: '"Incomprehensible instruction" blames the instruction, which you answered yes: choose what is wrong.', row: 'reason' });
		// A chosen reason whose question turns to yes gives way to the suggestion of the remaining "no".
		d = chooseReason(d, 'incorrect_output');
		d = answerQuestion(d, 'instruction', false);
		d = chooseReason(d, 'incomprehensible_instruction');
		d = answerQuestion(d, 'instruction', true);
		expect(d).toMatchObject({ reason: 'incorrect_output', reasonChosen: false });
		expect(completeDraft(d)).toMatchObject({ ok: true });
		// "Other" fits any "no".
		expect(completeDraft(chooseReason(d, 'other'))).toMatchObject({ ok: true });
	});

	it('round-trips an answer through a draft', () => {
		const answer = { kind: 'quality' as const, instruction: false, input: true, output: false, reason: 'incorrect_output' as const, comment: 'x' };
		const draft = draftFromAnswer(answer) as QualityDraft;
		expect(draft.reasonChosen).toBe(true);
		expect(completeDraft(draft)).toEqual({ ok: true, answer });
	});
});

describe('rating drafts', () => {
	it('needs a rating for every response', () => {
		let d = emptyDraft('rating', 3) as RatingDraft;
		d = rateResponse(rateResponse(d, 0, 'A'), 2, 'D');
		expect(completeDraft(d)).toMatchObject({ ok: false, row: 1, problem: 'Rate response 2.' });
		d = rateResponse(d, 1, 'B');
		expect(rateResponse(d, 7, 'C')).toBe(d);
		expect(completeDraft(d)).toEqual({ ok: true, answer: { kind: 'rating', ratings: ['A', 'B', 'D'], comment: '' } });
	});
});

describe('answerSchema', () => {
	it('accepts complete answers, drops a reason when all is valid, and refuses a "no" without reason', () => {
		expect(answerSchema.parse({ kind: 'quality', instruction: true, input: true, output: true, reason: 'other', comment: ' hi ' })).toEqual({
			kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: 'hi'
		});
		expect(answerSchema.safeParse({ kind: 'quality', instruction: true, input: false, output: true, reason: null }).success).toBe(false);
		expect(answerSchema.safeParse({ kind: 'quality', instruction: true, input: 'yes', output: true, reason: null }).success).toBe(false);
		expect(answerSchema.safeParse({ kind: 'quality', instruction: false, input: true, output: true, reason: 'bogus' }).success).toBe(false);
		expect(answerSchema.parse({ kind: 'rating', ratings: ['A', 'D'] })).toEqual({ kind: 'rating', ratings: ['A', 'D'], comment: '' });
		expect(answerSchema.safeParse({ kind: 'rating', ratings: ['E'] }).success).toBe(false);
		expect(answerSchema.safeParse({ kind: 'rating', ratings: [] }).success).toBe(false);
	});

	it('bounds drafts', () => {
		expect(draftSchema.safeParse(emptyDraft('quality')).success).toBe(true);
		expect(draftSchema.safeParse(emptyDraft('rating', 2)).success).toBe(true);
		expect(draftSchema.safeParse({ kind: 'rating', ratings: [], comment: 'x'.repeat(10_000) }).success).toBe(false);
	});

	it('a whole-conversation draft says what is missing of the conversation, not of a reply', () => {
		const d = emptyDraft('conversation', 1) as ConversationDraft;
		expect(completeDraft(d, { wholeConversation: true })).toEqual({ ok: false, problem: 'Say whether the conversation as a whole is valid (Y / N).', row: 0 });
		expect(completeDraft(d)).toMatchObject({ ok: false, problem: expect.stringMatching(/reply 1/) });
		const rated: ConversationDraft = { ...d, turns: [{ valid: false, rating: null }] };
		expect(completeDraft(rated, { wholeConversation: true })).toMatchObject({ ok: false, problem: 'Rate the conversation as a whole (A–D).' });
		expect(completeDraft({ ...d, turns: [{ valid: false, rating: 'D' as const }] }, { wholeConversation: true })).toMatchObject({ ok: true });
	});

	it('refuses a reply judged "not valid" yet rated A or B (acceptable responses), naming the reply', () => {
		const d = emptyDraft('conversation', 3) as ConversationDraft;
		const turns = [{ valid: true, rating: 'A' as const }, { valid: false, rating: 'C' as const }, { valid: false, rating: 'B' as const }];
		expect(completeDraft({ ...d, turns })).toEqual({ ok: false, problem: 'Reply 3: "not valid" does not go with B (acceptable, minor errors); a reply that is not valid is rated C or D. Change one of them.', row: 2 });
		expect(completeDraft({ ...d, turns: [{ valid: false, rating: 'A' as const }] }, { wholeConversation: true })).toMatchObject({ ok: false, problem: expect.stringMatching(/^The conversation: "not valid" does not go with A/) });
		expect(completeDraft({ ...d, turns: turns.slice(0, 2) })).toMatchObject({ ok: true });
	});
});


describe('summarizeDraft', () => {
	it('says a half-given answer in the words of a label, with a dash for what is open', () => {
		const q = answerQuestion(answerQuestion(emptyDraft('quality') as QualityDraft, 'instruction', true), 'output', false);
		expect(summarizeDraft(q)).toBe('yes · – · no — incorrect output');
		expect(summarizeDraft(rateResponse(emptyDraft('rating', 2) as RatingDraft, 1, 'B'))).toBe('– · B');
		expect(summarizeDraft({ kind: 'conversation', turns: [{ valid: true, rating: null }], comment: '' })).toBe('yes –');
		expect(summarizeDraft({ kind: 'pairwise', choice: null, comment: '' })).toBe('–');
	});
});
