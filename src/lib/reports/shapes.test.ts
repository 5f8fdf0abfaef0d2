import { describe, expect, it } from 'vitest';
import { conversationReport, type ConversationLabel } from './shapes';

describe('conversationReport', () => {
	const labels: ConversationLabel[] = [
		{ itemId: 1, reviewerId: 1, turns: [{ valid: true, rating: 'A' }, { valid: false, rating: 'C' }] },
		{ itemId: 2, reviewerId: 1, turns: [{ valid: true, rating: 'B' }] }
	];
	it('per reply: each position, and a conversation correct when every reply is', () => {
		const r = conversationReport(labels);
		expect(r.unit).toBe('turn');
		expect(r.byPosition.map((p) => [p.position, p.items, p.majority.yes])).toEqual([
			[1, 2, 2],
			[2, 1, 0]
		]);
		expect(r.conversations.majority).toMatchObject({ yes: 1, no: 1 });
		expect(r.conversationRatings).toBeNull();
	});
	it('as a whole: one judgement per label, no positions, A–D of conversations', () => {
		const whole: ConversationLabel[] = [
			{ itemId: 1, reviewerId: 1, turns: [{ valid: false, rating: 'C' }] },
			{ itemId: 1, reviewerId: 2, turns: [{ valid: false, rating: 'D' }] },
			{ itemId: 2, reviewerId: 1, turns: [{ valid: true, rating: 'A' }] }
		];
		const r = conversationReport(whole, 0.95, 'conversation');
		expect(r.unit).toBe('conversation');
		expect(r.byPosition).toEqual([]);
		expect(r.conversationRatings).toEqual({ A: 1, B: 0, C: 1, D: 1 });
		expect(r.conversations.majority).toMatchObject({ yes: 1, no: 1, tied: 0, rate: 0.5 });
		expect(r.conversations.label.proportion).toBeCloseTo(1 / 3);
	});
});
