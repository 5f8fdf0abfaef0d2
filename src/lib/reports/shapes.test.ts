import { describe, expect, it } from 'vitest';
import { conversationRateLines, conversationReport, pairwiseReport, type ConversationLabel } from './shapes';
import { clusteredProportion } from '../stats/clustered';
import { wilsonInterval } from '../stats/proportion';
import { SeededRandom } from '../audits/random';

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
	it('as text: every row with its A–D counts, as the page\'s table gives them', () => {
		const lines = conversationRateLines(conversationReport(labels));
		expect(lines).toHaveLength(3);
		expect(lines[0]).toMatch(/^whole conversations +n = 2; item majority 50\.0% \[/);
		expect(lines[0]).not.toContain('A / B / C / D');
		expect(lines[1]).toMatch(/^reply 1 +n = 2; item majority 100\.0% \[.*\]; label level 100\.0% \[.*\]; A \/ B \/ C \/ D 1 \/ 1 \/ 0 \/ 0$/);
		expect(lines[2]).toMatch(/^reply 2 +n = 1; .*; A \/ B \/ C \/ D 0 \/ 0 \/ 1 \/ 0$/);
		const whole = conversationReport([{ itemId: 1, reviewerId: 1, turns: [{ valid: false, rating: 'D' }] }], 0.95, 'conversation');
		expect(conversationRateLines(whole)).toEqual([expect.stringMatching(/^whole conversations +n = 1; .*; A \/ B \/ C \/ D 0 \/ 0 \/ 0 \/ 1$/)]);
	});
});

describe('conversationReport: each reviewer\'s agreement on replies', () => {
	it('is the share of agreeing pairs over (conversation, reply) units, worked by hand', () => {
		const labels: ConversationLabel[] = [
			{ itemId: 1, reviewerId: 1, turns: [{ valid: true, rating: 'A' }, { valid: false, rating: 'C' }] },
			{ itemId: 1, reviewerId: 2, turns: [{ valid: true, rating: 'A' }, { valid: true, rating: 'B' }] },
			{ itemId: 1, reviewerId: 3, turns: [{ valid: true, rating: 'B' }, { valid: false, rating: 'D' }] },
			{ itemId: 2, reviewerId: 1, turns: [{ valid: true, rating: 'A' }] },
			{ itemId: 2, reviewerId: 2, turns: [{ valid: false, rating: 'C' }] }
		];
		// Reply 1:1, all yes: 2 agreeing pairs each. Reply 1:2, no/yes/no: reviewer 1 agrees with 3 only,
		// 2 with nobody, 3 with 1. Reply 2:1, yes/no: 1 and 2 disagree.
		expect(conversationReport(labels).replyAgreementByReviewer).toEqual([
			{ reviewerId: 1, value: 3 / 5, pairs: 5, items: 3 },
			{ reviewerId: 2, value: 2 / 5, pairs: 5, items: 3 },
			{ reviewerId: 3, value: 3 / 4, pairs: 4, items: 2 }
		]);
		expect(conversationReport(labels, 0.95, 'conversation').replyAgreementByReviewer).toBeNull();
	});

	it('recovers each reviewer\'s expected agreement in a seeded simulation with known accuracies', () => {
		const random = new SeededRandom(7);
		const accuracy = new Map([
			[1, 0.95],
			[2, 0.9],
			[3, 0.6]
		]);
		const labels: ConversationLabel[] = [];
		for (let itemId = 1; itemId <= 1500; itemId++) {
			const truth = [0, 1, 2].map(() => random.float() < 0.7);
			for (const [reviewerId, a] of accuracy)
				labels.push({
					itemId,
					reviewerId,
					turns: truth.map((t) => {
						const valid = random.float() < a ? t : !t;
						return { valid, rating: valid ? 'A' : 'C' };
					})
				});
		}
		// Two reviewers agree when both are right or both wrong; every pair of reviewers shares every reply.
		const agree = (a: number, b: number) => a * b + (1 - a) * (1 - b);
		const expected = (id: number) => [...accuracy].filter(([other]) => other !== id).reduce((sum, [, b]) => sum + agree(accuracy.get(id)!, b), 0) / 2;
		for (const row of conversationReport(labels).replyAgreementByReviewer!) {
			expect(row.items).toBe(4500);
			expect(Math.abs(row.value! - expected(row.reviewerId))).toBeLessThan(0.015);
		}
	});
});

describe('pairwise report intervals', () => {
	// Six prompts, three reviewers each, who mostly agree within a prompt: 18 choices, but six
	// independent prompts. m1 wins 4 prompts (3 of 3 choices on each), loses 2 (0 of 3).
	const labels = [1, 2, 3, 4, 5, 6].flatMap((itemId) =>
		[1, 2, 3].map((reviewerId) => ({ itemId, reviewerId, modelA: itemId % 2 ? 'm2' : 'm1', modelB: itemId % 2 ? 'm1' : 'm2', preference: (itemId <= 4) === !(itemId % 2) ? ('a' as const) : ('b' as const) }))
	);

	it('clusters win, tie and loss intervals by item when an item carries several choices', () => {
		const [record] = pairwiseReport(labels).records;
		expect(record).toMatchObject({ first: 'm1', second: 'm2', wins: 12, losses: 6, comparisons: 18 });
		const wins = [3, 3, 3, 3, 0, 0].map((successes) => ({ successes, trials: 3 }));
		const clustered = clusteredProportion(wins);
		expect(record.winRate).toMatchObject({ successes: 12, trials: 18, lower: clustered.lower, upper: clustered.upper });
		const wilson = wilsonInterval(12, 18);
		expect(record.winRate.upper - record.winRate.lower).toBeGreaterThan(wilson.upper - wilson.lower);
	});

	it('clusters the Bradley–Terry intervals by item too (sandwich variance, worked by hand)', () => {
		const bt = pairwiseReport(labels).bradleyTerry!;
		const m1 = bt.models.find((m) => m.model === 'm1')!;
		expect(m1.strength!).toBeCloseTo(Math.log(2) / 2, 10);
		// p̂ = 2/3; item scores from m1's side: 3·(1/3) on the four it won, 3·(−2/3) on the two it lost;
		// Σ s² = 12, G/(G−1) = 6/5, v = 18·(2/3)(1/3) = 4: var θ = (6/5 · 12) / (4 v²). Independent: 1 / (4v).
		expect(bt.clusters).toBe(6);
		expect(m1.standardError!).toBeCloseTo(Math.sqrt((1.2 * 12) / (4 * 16)), 10);
		expect(pairwiseReport(labels.filter((l) => l.reviewerId === 1)).bradleyTerry!.clusters).toBeNull();
	});

	it('keeps Wilson when each item carries one choice', () => {
		const [record] = pairwiseReport(labels.filter((l) => l.reviewerId === 1)).records;
		expect(record.winRate).toEqual(wilsonInterval(4, 6));
	});
});

describe('position bias', () => {
	it('counts each reviewer\'s choices of the response shown first, leaves ties and unknown sides out, and flags one far from half', async () => {
		const { pairwiseReport } = await import('./shapes');
		const labels = Array.from({ length: 10 }, (_, itemId) => [
			{ itemId, reviewerId: 1, modelA: 'm1', modelB: 'm2', preference: 'a' as const, screenChoice: 'A' as const },
			{ itemId, reviewerId: 2, modelA: 'm1', modelB: 'm2', preference: 'a' as const, screenChoice: itemId % 2 ? ('A' as const) : ('B' as const) },
			{ itemId, reviewerId: 3, modelA: 'm1', modelB: 'm2', preference: 'tie' as const, screenChoice: 'tie' as const },
			{ itemId, reviewerId: 4, modelA: 'm1', modelB: 'm2', preference: 'a' as const }
		]).flat();
		const bias = pairwiseReport(labels).positionBias;
		expect(bias.map((b) => [b.reviewerId, b.choseFirst, b.decided, b.flagged])).toEqual([
			[1, 10, 10, true],
			[2, 5, 10, false]
		]);
		expect(bias[0].pValue).toBeCloseTo(2 / 1024, 12);
		// Too few choices to flag, however one-sided.
		expect(pairwiseReport(labels.filter((l) => l.reviewerId === 1 && l.itemId < 5)).positionBias[0].flagged).toBe(false);
	});

	it('gives no position figure when the order was fixed (not blind): "shown first" is then one model, and it says so', async () => {
		const { pairwiseReport, POSITION_FIXED_ORDER } = await import('./shapes');
		// A reviewer who prefers m1 on every item of a non-blind audit: m1 was always on the left.
		const labels = Array.from({ length: 10 }, (_, itemId) => ({ itemId, reviewerId: 1, modelA: 'm1', modelB: 'm2', preference: 'a' as const, screenChoice: 'A' as const }));
		const fixed = pairwiseReport(labels, 0.95, 'fixed');
		expect(fixed.positionBias).toEqual([]);
		expect(fixed.positionUntested).toBe(POSITION_FIXED_ORDER);
		expect(fixed.positionUntested).toContain('not blind');
		expect(fixed.positionUntested).toContain('fixed order');
		// Blind (shuffled per reviewer): tested and flagged as before.
		const shuffled = pairwiseReport(labels, 0.95, 'shuffled');
		expect(shuffled.positionUntested).toBeNull();
		expect(shuffled.positionBias[0]).toMatchObject({ choseFirst: 10, decided: 10, flagged: true });
	});
});
