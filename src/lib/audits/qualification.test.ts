import { describe, expect, it } from 'vitest';
import { assertQualificationRule, goldScore, qualificationOf } from './qualification';

const q = (i: boolean | null, n: boolean | null, o: boolean | null) => ({ instructionValid: i, inputValid: n, outputValid: o, ratings: [] });

describe('goldScore', () => {
	it('counts matching answers per question, skipping unanswered ones', () => {
		expect(goldScore('quality', q(true, true, false), q(true, true, true))).toEqual({ correct: 2, total: 3 });
		expect(goldScore('quality', q(true, null, true), q(true, true, true))).toEqual({ correct: 2, total: 2 });
	});
	it('counts matching ratings per response', () => {
		const label = { ...q(null, null, null), ratings: [{ responseId: 1, rating: 'A' }, { responseId: 2, rating: 'C' }] };
		const gold = { ...q(null, null, null), ratings: [{ responseId: 1, rating: 'A' }, { responseId: 2, rating: 'B' }, { responseId: 3, rating: 'D' }] };
		expect(goldScore('rating', label, gold)).toEqual({ correct: 1, total: 2 });
	});
});

describe('qualificationOf', () => {
	const rule = { items: 3, accuracy: 0.8 };
	it('waits for all N gold labels', () => {
		expect(qualificationOf(rule, [{ correct: 3, total: 3 }])).toMatchObject({ state: 'pending', labelled: 1, required: 3, accuracy: 1 });
	});
	it('qualifies at the level exactly and fails below it, counting only the first N', () => {
		const s = [
			{ correct: 3, total: 3 },
			{ correct: 2, total: 3 },
			{ correct: 3, total: 4 }
		];
		// 8 / 10 = 0.8: exactly the level.
		expect(qualificationOf(rule, s)).toMatchObject({ state: 'qualified', correct: 8, total: 10, accuracy: 0.8 });
		expect(qualificationOf({ items: 3, accuracy: 0.81 }, s).state).toBe('failed');
		expect(qualificationOf(rule, [...s, { correct: 0, total: 3 }]).state).toBe('qualified');
	});
	it('no step: everyone qualifies', () => {
		expect(qualificationOf({ items: 0, accuracy: 0.8 }, []).state).toBe('qualified');
	});
	it('checks the rule against the gold the audit has', () => {
		expect(assertQualificationRule({ items: 5, accuracy: 0.8 }, 3)).toMatch(/has 3/);
		expect(assertQualificationRule({ items: 2, accuracy: 0 }, 3)).toMatch(/accuracy/);
		expect(assertQualificationRule({ items: 2, accuracy: 0.9 }, 3)).toBeNull();
	});
});

describe('goldScore of conversation and pairwise labels', () => {
	const none = { instructionValid: null, inputValid: null, ratings: [] };
	it('conversation: the verdict on the whole conversation, one answer', () => {
		expect(goldScore('conversation', { ...none, outputValid: false }, { ...none, outputValid: false })).toEqual({ correct: 1, total: 1 });
		expect(goldScore('conversation', { ...none, outputValid: true }, { ...none, outputValid: false })).toEqual({ correct: 0, total: 1 });
		expect(goldScore('conversation', { ...none, outputValid: null }, { ...none, outputValid: false })).toEqual({ correct: 0, total: 0 });
	});
	it('pairwise: the same verdict in the pair’s order', () => {
		const p = (preference: string | null) => ({ ...none, outputValid: null, preference });
		expect(goldScore('pairwise', p('a'), p('a'))).toEqual({ correct: 1, total: 1 });
		expect(goldScore('pairwise', p('tie'), p('a'))).toEqual({ correct: 0, total: 1 });
		expect(goldScore('pairwise', p(null), p('a'))).toEqual({ correct: 0, total: 0 });
	});
});
