import { describe, expect, it } from 'vitest';
import { clusteredMeanOfShares, krippendorffAlpha, wilsonInterval } from '$lib/stats';
import { allValidEstimateOfInstances, buildAuditReport, itemVerdictsOf } from './report';
import type { ErrorReason, Rating, ReportAudit, ReportInput, ReportItem, ReportLabel } from './types';
import { WILSON_95 as W } from './fixtures/wilson-reference';
import { syntheticQualityInput } from './fixtures/synthetic-audit';
import { labelsByItem } from './verdicts';
import { groupOf } from './quality';
import { labelLevelRate } from './estimators';


function audit(kind: 'quality' | 'rating', overrides: Partial<ReportAudit> = {}): ReportAudit {
	return {
		id: 1,
		name: 'test audit',
		kind,
		status: 'open',
		datasetId: 1,
		datasetName: 'd',
		overlap: 3,
		sampleSize: 7,
		itemCount: 7,
		goldCount: 1,
		seed: 1,
		models: [],
		routing: 'breadth',
		qualification: { items: 0, accuracy: 0.8 },
		headlineEstimator: null,
		createdAt: '2024-01-01T00:00:00.000Z',
		closedAt: null,
		...overrides
	};
}

function item(id: number, isClassification: boolean | null, extra: Partial<ReportItem> = {}): ReportItem {
	return { id, position: id - 1, taskId: 100 + id, instanceId: 200 + id, stratum: null, isGold: false, isClassification, responses: [], ...extra };
}

let nextLabel = 1;
/** A quality label from a "YYN" string and the reason of the first "no" (or the one given). */
function q(itemId: number, reviewerId: number, answers: string, reason?: ErrorReason, durationMs = 10_000): ReportLabel {
	const [i, n, o] = [...answers].map((c) => c === 'Y');
	const defaultReason: ErrorReason | null = !i ? 'incomprehensible_instruction' : !n ? 'input_mismatch' : !o ? 'incorrect_output' : null;
	return {
		id: nextLabel++,
		itemId,
		reviewerId,
		instructionValid: i,
		inputValid: n,
		outputValid: o,
		errorReason: answers === 'YYY' ? null : (reason ?? defaultReason),
		durationMs,
		activeMs: durationMs / 2,
		submittedAt: `2024-01-02T00:00:${String(nextLabel % 60).padStart(2, '0')}.000Z`,
		ratings: []
	};
}

/** A rating label: ratings given as { model: level }; response ids are itemId * 10 + model index. */
function r(itemId: number, reviewerId: number, ratings: Record<string, Rating>, durationMs = 20_000): ReportLabel {
	return {
		id: nextLabel++,
		itemId,
		reviewerId,
		instructionValid: null,
		inputValid: null,
		outputValid: null,
		errorReason: null,
		durationMs,
		activeMs: durationMs,
		submittedAt: '2024-01-02T00:00:00.000Z',
		ratings: Object.entries(ratings).map(([model, rating]) => ({ responseId: itemId * 10 + (model === 'm1' ? 1 : 2), model, rating }))
	};
}

/**
 * Eight sampled items, overlap 3, reviewers 1 (Ana), 2 (Ben), 3 (Cy), plus one gold item:
 *  1 (classification)   YYY YYY YYY                   → correct
 *  2 (classification)   YYN YYN YYY                   → output no: incorrect_output
 *  3 (non-class.)       NYY YYY (Cy skipped)          → instruction ties, so all-valid ties
 *  4 (non-class.)       YYN(io) YYN(other) YYY        → output no; the two reasons tie
 *  5 (non-class.)       YNN YYY + adjudicated YYN     → the adjudication: incorrect_output
 *  6 (unknown)          YYY                           → one label: correct
 *  7 (non-class.)       — (Cy skipped)                → no label
 *  9 (non-class.)       YNY YYN YYY                   → every question's majority is yes: correct
 *  8 gold               gold YYN; Ana YYN, Ben YYY
 */
function qualityInput(): ReportInput {
	return {
		audit: audit('quality', { itemCount: 8 }),
		items: [
			item(1, true),
			item(2, true),
			item(3, false),
			item(4, false),
			item(5, false),
			item(6, null),
			item(7, false),
			item(9, false, { position: 7 }),
			item(8, false, { isGold: true, position: 8 })
		],
		labels: [
			q(1, 1, 'YYY', undefined, 4000),
			q(1, 2, 'YYY', undefined, 9000),
			q(1, 3, 'YYY', undefined, 30_000),
			q(2, 1, 'YYN', undefined, 6000),
			q(2, 2, 'YYN', undefined, 11_000),
			q(2, 3, 'YYY', undefined, 20_000),
			q(3, 1, 'NYY', undefined, 8000),
			q(3, 2, 'YYY', undefined, 7000),
			q(4, 1, 'YYN', 'incorrect_output', 2000),
			q(4, 2, 'YYN', 'other', 5000),
			q(4, 3, 'YYY', undefined, 10_000),
			q(5, 1, 'YNN', undefined, 1000),
			q(5, 2, 'YYY', undefined, 3000),
			q(6, 1, 'YYY', undefined, 5000),
			q(9, 1, 'YNY', undefined, 7000),
			q(9, 2, 'YYN', undefined, 9000),
			q(9, 3, 'YYY', undefined, 15_000),
			q(8, 1, 'YYN', undefined, 12_000),
			q(8, 2, 'YYY', undefined, 13_000)
		],
		adjudications: [
			{
				itemId: 5,
				adjudicatorId: 9,
				instructionValid: true,
				inputValid: true,
				outputValid: false,
				errorReason: 'incorrect_output',
				comment: 'output is wrong',
				updatedAt: '2024-01-03T00:00:00.000Z',
				ratings: []
			}
		],
		gold: [{ itemId: 8, instructionValid: true, inputValid: true, outputValid: false, errorReason: 'incorrect_output', ratings: [] }],
		skips: [
			{ itemId: 3, reviewerId: 3 },
			{ itemId: 7, reviewerId: 3 }
		],
		reviewers: [
			{ id: 1, name: 'Ana' },
			{ id: 2, name: 'Ben' },
			{ id: 3, name: 'Cy' }
		]
	};
}

describe('data-quality report', () => {
	const reportInput = qualityInput();
	const report = buildAuditReport(reportInput);
	const all = report.quality!.groups[0];
	const rate = (group: typeof all, key: string) => group.rates.find((r) => r.key === key)!;

	it('uses majority labels, adjudications where they exist, and lists ties', () => {
		// Only item 3 ties on a yes/no judgement; items 4 and 9 tie only on the reason named (every
		// rate of theirs is decided; the breakdown counts them as "reason tied").
		expect(report.basis).toEqual({ overlap: 3, unlabelled: 1, single: 1, majority: 5, adjudicated: 1, tied: 1 });
		expect(report.progress).toEqual({ items: 8, goldItems: 1, labelledItems: 7, completeItems: 4, labels: 17, goldLabels: 2, skips: 2, reviewers: 3 });
		// Items 2, 3, 4, 5 and 9 have differing labels (5 is adjudicated but still counts).
		expect(report.disagreements).toBe(5);
		expect(report.quality!.ties).toEqual([{ itemId: 3, position: 2, taskId: 103, judgements: ['instruction', 'allValid'], labels: 2 }]);
		// Latent truth is preferred with k > 1 but not identified here (4 items seen by three): the data chose the item majority.
		expect(report.estimator).toEqual({ requested: 'auto', automatic: 'majority', byQuestion: { instruction: 'majority', input: 'majority', output: 'majority', allValid: 'majority' } });
	});

	it('gives each question and all-valid by item majority with ties as bounds, each bound with its Wilson interval', () => {
		expect(all.key).toBe('all');
		expect(all.items).toBe(8);
		expect(all.labelled).toBe(7);
		// Items with a final label or a tie: 1, 2, 3, 4, 5, 6, 9 (7 has no label).
		const expected = [
			['instruction', 6, 0, 1, 0.92],
			['input', 7, 0, 0, 0.79],
			['output', 4, 3, 0, 0.58],
			// All valid: 1 and 6 yes; 2, 4, 5 (adjudicated), 9 no; 3 tied.
			['allValid', 2, 4, 1, 0.54]
		] as const;
		for (const [key, yes, no, ties, reference] of expected) {
			const row = rate(all, key);
			expect(row, key).toMatchObject({ yes, no, ties, reference });
			const n = yes + no + ties;
			expect(row.majority).toMatchObject({ n, yes, no, ties, adjudicated: 1 });
			const low = wilsonInterval(yes, n);
			const high = wilsonInterval(yes + ties, n);
			expect(row.majority.low).toMatchObject({ successes: yes, trials: n });
			expect(row.majority.low.lower).toBeCloseTo(low.lower, 12);
			expect(row.majority.low.upper).toBeCloseTo(low.upper, 12);
			expect(row.majority.high).toMatchObject({ successes: yes + ties, trials: n });
			expect(row.majority.high.upper).toBeCloseTo(high.upper, 12);
		}
		expect(rate(all, 'output').majority.low.lower).toBeCloseTo(W['4/7'][0], 12);
		expect(rate(all, 'input').majority.high.lower).toBeCloseTo(W['7/7'][0], 12);
	});

	it('gives the label-level share of yes among the reviewers\' labels on sampled items', () => {
		// 17 labels on sampled items; "no" answers: instruction 1 (item 3), input 2 (5, 9),
		// output 6 (2×2, 4×2, 5, 9); all valid: 9 labels say yes to all three.
		const expected = [
			['instruction', 16],
			['input', 15],
			['output', 11],
			['allValid', 9]
		] as const;
		for (const [key, yes] of expected) {
			const label = rate(all, key).label;
			expect(label, key).toMatchObject({ estimator: 'label', n: 7, labels: 17, yes });
			expect(label.proportion).toBeCloseTo(yes / 17, 12);
			expect(label.lower).toBeLessThan(label.proportion!);
		}
	});

	it('fits the latent-truth model, but 4 items seen by three reviewers do not identify it: shown with the caveat, not the automatic headline', () => {
		const forced = buildAuditReport(qualityInput(), { estimator: 'latent' }).quality!.groups[0].rates;
		for (const r of all.rates) {
			if (r.key === 'instruction') continue;
			expect(r.latent.status, r.key).toBe('ok');
			expect(r.latent.identified, r.key).toBe(false);
			expect(r.latent.n).toBe(7);
			expect(r.latent.lower).toBeLessThanOrEqual(r.latent.proportion!);
			expect(r.latent.upper).toBeGreaterThanOrEqual(r.latent.proportion!);
			expect(r.latent.reason).toMatch(/^Only 4 items were labelled by three or more reviewers/);
			expect(r.headline).toMatchObject({ estimator: 'majority', requested: 'auto', fallback: r.latent.reason, caveat: null });
			// A researcher who asks for it gets it, with the caveat.
			expect(forced.find((f) => f.key === r.key)!.headline).toMatchObject({ estimator: 'latent', requested: 'latent', fallback: null, caveat: r.latent.reason, proportion: r.latent.proportion });
		}
		// Deterministic: the same data give the same numbers.
		expect(buildAuditReport(qualityInput()).quality!.groups[0].rates.map((r) => r.latent)).toEqual(all.rates.map((r) => r.latent));
	});

	it('breaks the labelled items down as Unnatural Instructions does, flagging tied reasons and tied verdicts', () => {
		expect(all.decided).toBe(7);
		expect(all.incorrect).toBe(4);
		const byKey = Object.fromEntries(all.breakdown.map((r) => [r.key, r]));
		expect(Object.keys(byKey)).toEqual(['correct', 'incomprehensible_instruction', 'input_mismatch', 'incorrect_output', 'other', 'reason_tied', 'valid_tied']);
		expect(byKey.correct).toMatchObject({ count: 2, trials: 7, shareOfIncorrect: null, reference: { count: 113, share: 0.565 } });
		expect(byKey.incorrect_output).toMatchObject({ count: 2, reference: { count: 43, share: 0.215 } });
		expect(byKey.incorrect_output.shareOfIncorrect).toBeCloseTo(2 / 4, 12);
		expect(byKey.incomprehensible_instruction).toMatchObject({ count: 0, reference: { count: 9, share: 0.045 } });
		expect(byKey.input_mismatch).toMatchObject({ count: 0, reference: { count: 35, share: 0.175 } });
		expect(byKey.other).toMatchObject({ count: 0, reference: null });
		expect(byKey.reason_tied).toMatchObject({ count: 2, reference: null });
		expect(byKey.reason_tied.shareOfIncorrect).toBeCloseTo(2 / 4, 12);
		expect(byKey.valid_tied).toMatchObject({ count: 1, shareOfIncorrect: null });
		expect(all.breakdown.reduce((sum, r) => sum + r.count, 0)).toBe(all.decided);
	});

	it('splits classification and non-classification tasks (and unknown when present)', () => {
		expect(report.quality!.groups.map((g) => [g.key, g.items])).toEqual([
			['all', 8],
			['classification', 2],
			['non-classification', 5],
			['unknown', 1]
		]);
		const [, cls, non, unknown] = report.quality!.groups;
		expect(cls.rates.map((r) => [r.key, r.yes, r.majority.n])).toEqual([
			['instruction', 2, 2],
			['input', 2, 2],
			['output', 1, 2],
			['allValid', 1, 2]
		]);
		expect(rate(cls, 'output').majority.low.lower).toBeCloseTo(W['1/2'][0], 12);
		expect(rate(cls, 'input').majority.low.lower).toBeCloseTo(W['2/2'][0], 12);
		expect(non.rates.map((r) => [r.key, r.yes, r.majority.n, r.ties])).toEqual([
			['instruction', 3, 4, 1],
			['input', 4, 4, 0],
			['output', 2, 4, 0],
			['allValid', 0, 4, 1]
		]);
		expect(rate(non, 'input').majority.low.lower).toBeCloseTo(W['4/4'][0], 12);
		expect(non.breakdown.map((b) => [b.key, b.count])).toEqual([
			['correct', 0],
			['incomprehensible_instruction', 0],
			['input_mismatch', 0],
			['incorrect_output', 1],
			['other', 0],
			['reason_tied', 2],
			['valid_tied', 1]
		]);
		expect(unknown.rates.every((r) => r.yes === 1 && r.majority.n === 1)).toBe(true);
		expect(rate(unknown, 'allValid').majority.low.lower).toBeCloseTo(W['1/1'][0], 12);
		// The latent model is fitted once; each group reads its own items' rate from it.
		expect(rate(cls, 'output').latent.n).toBe(2);
		expect(rate(non, 'output').latent.n).toBe(4);
	});

	it('measures agreement per question from the reviewers’ own labels (Fleiss with three reviewers)', () => {
		const agreement = Object.fromEntries(report.quality!.agreement!.map((a) => [a.key, a]));
		expect(Object.keys(agreement)).toEqual(['instruction', 'input', 'output', 'allValid', 'category']);
		// Instruction: items 1, 2, 4, 9 YYY; 3 N/Y; 5 Y/Y → per-item agreement 1, 1, 0, 1, 1, 1.
		expect(agreement.instruction.percent.value).toBeCloseTo(5 / 6, 12);
		expect(agreement.instruction.percent).toMatchObject({ items: 6, pairs: 3 + 3 + 1 + 3 + 1 + 3 });
		expect(agreement.instruction.kappa.method).toBe('fleiss');
		expect(agreement.instruction.kappa.reviewers).toBe(3);
		// Fleiss' κ generalised to 2–3 labels per item (Gwet 2014) keeps all six items, not only the
		// four "yes, yes, yes" ones (chance agreement 1 there, κ undefined): P̄ = 5/6 over the six;
		// chance shares over the seven labelled items (item 6's one "yes" too): p(yes) = (4 + ½ + 1 + 1)/7
		// = 13/14, P̄ₑ = (169 + 1)/196 = 85/98, κ = (5/6 − 85/98)/(13/98) = −10/39.
		expect(agreement.instruction.kappa).toMatchObject({ items: 6, labelsPerItem: { min: 2, max: 3 } });
		expect(agreement.instruction.kappa.value).toBeCloseTo(-10 / 39, 12);
		// Coincidences: o(Y,Y) = 4·3 + 2 = 14, o(Y,N) = o(N,Y) = 1 → n = 16, α = 1 − 15·2 / (2·15·1) = 0.
		expect(agreement.instruction.alpha).toEqual({ level: 'nominal', value: 0, n: 16, units: 6 });
		// Output: 1 YYY (1), 2 NNY (1/3), 3 YY (1), 4 NNY (1/3), 5 NY (0), 9 YNY (1/3) → 3/6.
		expect(agreement.output.percent.value).toBeCloseTo(0.5, 12);
		// Fleiss generalised over the six: P̄ = 1/2; p(yes) = (1 + ⅓ + 1 + ⅓ + ½ + ⅔ + 1 [item 6])/7 = 29/42
		// → P̄e = (29² + 13²)/42² = 1010/1764 → κ = (882 − 1010)/(1764 − 1010) = −64/377.
		expect(agreement.output.kappa.value).toBeCloseTo(-64 / 377, 12);
		expect(agreement.category.scale).toBe('category');
		expect(agreement.category.alpha.value).toBeCloseTo(
			krippendorffAlpha([
				['correct', 'correct', 'correct'],
				['incorrect_output', 'incorrect_output', 'correct'],
				['incomprehensible_instruction', 'correct'],
				['incorrect_output', 'other', 'correct'],
				['input_mismatch', 'correct'],
				['input_mismatch', 'incorrect_output', 'correct']
			]).alpha!,
			12
		);
	});

	it('reports each reviewer’s work, time, agreement and gold accuracy', () => {
		const byName = Object.fromEntries(report.reviewers.map((r) => [r.name, r]));
		expect(report.reviewers.map((r) => r.name)).toEqual(['Ana', 'Ben', 'Cy']);
		// Ana: items 1–6, 9 and gold 8; durations 4, 6, 8, 2, 1, 5, 7, 12 s → median 5.5 s.
		expect(byName.Ana).toMatchObject({ items: 7, goldItems: 1, skips: 0, medianSeconds: 5.5, medianActiveSeconds: 2.75 });
		// Gold YYN: Ana YYN 3/3, Ben YYY 2/3.
		expect(byName.Ana.gold).toMatchObject({ items: 1, successes: 3, trials: 3 });
		expect(byName.Ana.gold!.lower).toBeCloseTo(W['3/3'][0], 12);
		expect(byName.Ben).toMatchObject({ items: 6, goldItems: 1, skips: 0 });
		expect(byName.Ben.gold).toMatchObject({ items: 1, successes: 2, trials: 3 });
		// Cy: items 1, 2, 4, 9 at 30, 20, 10, 15 s.
		expect(byName.Cy).toMatchObject({ items: 4, goldItems: 0, skips: 2, medianSeconds: 17.5, gold: null });
		// Ana's answers paired with the others' on items 1–5 and 9 (one unit per question): item 1
		// 6/6; 2 (YYN vs YYN, YYY) 5/6; 3 (NYY vs YYY) 2/3; 4 (YYN vs YYN, YYY) 5/6; 5 (YNN vs YYY) 1/3;
		// 9 (YNY vs YYN, YYY) 3/6.
		expect(byName.Ana.agreement).toEqual({ value: 22 / 30, pairs: 30, items: 6 });
		// Every reviewer: first and last submission, and the sampled items shared with someone else.
		const input = reportInput;
		const gold = new Set(input.items.filter((i) => i.isGold).map((i) => i.id));
		for (const row of report.reviewers) {
			const own = input.labels.filter((l) => l.reviewerId === row.reviewerId);
			const times = own.map((l) => l.submittedAt).sort();
			expect([row.firstLabelAt, row.lastLabelAt], row.name).toEqual([times[0], times.at(-1)]);
			const shared = own.filter((l) => !gold.has(l.itemId) && input.labels.filter((m) => m.itemId === l.itemId).length > 1);
			expect(row.agreement.items, row.name).toBe(shared.length);
		}
		expect(new Set(report.reviewers.map((r) => r.firstLabelAt)).size).toBeGreaterThan(1);
		expect(byName.Cy.agreement.items).toBe(4);
	});

	it('gives exports the per-item verdicts', () => {
		const verdicts = itemVerdictsOf(qualityInput());
		expect(verdicts.map((v) => [v.itemId, v.allValid, v.tie, v.adjudicated, v.basis, v.category])).toEqual([
			[1, true, false, false, 'majority', 'correct'],
			[2, false, false, false, 'majority', 'incorrect_output'],
			[3, null, true, false, 'majority', null],
			[4, false, false, false, 'majority', null],
			[5, false, false, true, 'adjudicated', 'incorrect_output'],
			[6, true, false, false, 'single', 'correct'],
			[7, null, false, false, 'none', null],
			[9, false, false, false, 'majority', null]
		]);
		expect(verdicts[3].ties).toEqual(['reason']);
		expect(verdicts[4]).toMatchObject({ taskId: 105, instanceId: 205, instructionValid: true, inputValid: true, outputValid: false });
		expect(verdicts[7]).toMatchObject({ instructionValid: true, inputValid: true, outputValid: true });
		// Gold item 8 (YYN vs YYY): the output ties, so all-valid ties.
		expect(itemVerdictsOf(qualityInput(), { includeGold: true }).at(-1)).toMatchObject({ itemId: 8, isGold: true, allValid: null, tie: true });

	});

	it('decides all-valid from the reviewers\' own answers: all said "not all valid", whatever field they named', () => {
		const input = qualityInput();
		// Item 3 relabelled NYY and YYN: every question ties (or is yes), but both reviewers found fault.
		input.labels = input.labels.filter((l) => l.itemId !== 3).concat(q(3, 1, 'NYY'), q(3, 2, 'YYN'));
		const v = itemVerdictsOf(input).find((x) => x.itemId === 3)!;
		// The reasons given were incomprehensible_instruction and incorrect_output: tied.
		expect(v).toMatchObject({ instructionValid: null, outputValid: null, allValid: false, tie: false, ties: ['instruction', 'output', 'reason'], category: null });
		const report = buildAuditReport(input);
		expect(report.quality!.groups[0].rates.find((r) => r.key === 'allValid')!.majority).toMatchObject({ yes: 2, no: 5, ties: 0, n: 7 });
	});

	it('with one reviewer per item, uses the labels as they are and has no agreement section', () => {
		const input = qualityInput();
		input.audit.overlap = 1;
		input.labels = input.labels.filter((l) => l.reviewerId === 1);
		input.adjudications = [];
		const single = buildAuditReport(input);
		expect(single.quality!.agreement).toBeNull();
		expect(single.basis).toMatchObject({ single: 7, majority: 0, tied: 0, unlabelled: 1 });
		// Ana: YYY, YYN, NYY, YYN, YNN, YYY, YNY → all valid 2 of 7.
		expect(single.quality!.groups[0].rates.map((r) => [r.key, r.yes, r.majority.n])).toEqual([
			['instruction', 6, 7],
			['input', 5, 7],
			['output', 4, 7],
			['allValid', 2, 7]
		]);
		// k = 1: the headline is the plain Wilson rate; the latent model is not identified and says why.
		const allValid = single.quality!.groups[0].rates.find((r) => r.key === 'allValid')!;
		expect(single.estimator.automatic).toBe('majority');
		expect(allValid.headline).toMatchObject({ estimator: 'majority', requested: 'auto', fallback: null, n: 7, proportion: 2 / 7, low: 2 / 7, high: 2 / 7 });
		expect(allValid.headline.lower).toBeCloseTo(wilsonInterval(2, 7).lower, 12);
		expect(allValid.latent).toMatchObject({ status: 'not-identified', proportion: null });
		expect(allValid.latent.reason).toMatch(/one reviewer/);
		// Asking for the latent truth anyway falls back to the bounds and says why.
		const forced = buildAuditReport(input, { estimator: 'latent' }).quality!.groups[0].rates.find((r) => r.key === 'allValid')!;
		expect(forced.headline).toMatchObject({ estimator: 'majority', requested: 'latent' });
		expect(forced.headline.fallback).toMatch(/one reviewer/);
	});

	it('honours another confidence level', () => {
		const r90 = buildAuditReport(qualityInput(), { confidence: 0.9 });
		const row = r90.quality!.groups[0].rates.find((r) => r.key === 'output')!;
		expect(r90.confidence).toBe(0.9);
		expect(row.majority.low.upper - row.majority.low.lower).toBeLessThan(W['4/7'][1] - W['4/7'][0]);
		const r95 = report.quality!.groups[0].rates.find((r) => r.key === 'output')!;
		expect(row.latent.upper - row.latent.lower).toBeLessThanOrEqual(r95.latent.upper - r95.latent.lower);
	});
});

/**
 * Rating audit, models m1 and m2, reviewers 1 and 2 (overlap 2):
 *  1: r1 m1 A m2 C; r2 m1 A m2 B   → m1 A, m2 tie (B, C)
 *  2: r1 m1 B m2 B; r2 m1 B m2 B   → B, B
 *  3: r1 m1 A m2 D; r2 m1 B m2 D   → m1 tie, adjudicated A; m2 D
 *  4: r1 m1 C m2 A; r2 m1 C m2 A   → C, A
 *  5: r1 m1 A m2 C                 → single: A, C
 *  6: no labels
 *  7 gold: gold m1 A, m2 C; r1 A B; r2 A C
 */
function ratingInput(): ReportInput {
	const responses = (id: number) => [
		{ responseId: id * 10 + 1, model: 'm1' },
		{ responseId: id * 10 + 2, model: 'm2' }
	];
	return {
		audit: audit('rating', { overlap: 2, models: ['m1', 'm2'], itemCount: 6 }),
		items: [1, 2, 3, 4, 5, 6].map((id) => item(id, null, { responses: responses(id) })).concat(item(7, null, { isGold: true, responses: responses(7) })),
		labels: [
			r(1, 1, { m1: 'A', m2: 'C' }, 10_000),
			r(1, 2, { m1: 'A', m2: 'B' }, 30_000),
			r(2, 1, { m1: 'B', m2: 'B' }, 20_000),
			r(2, 2, { m1: 'B', m2: 'B' }, 40_000),
			r(3, 1, { m1: 'A', m2: 'D' }, 30_000),
			r(3, 2, { m1: 'B', m2: 'D' }, 50_000),
			r(4, 1, { m1: 'C', m2: 'A' }, 40_000),
			r(4, 2, { m1: 'C', m2: 'A' }, 60_000),
			r(5, 1, { m1: 'A', m2: 'C' }, 50_000),
			r(7, 1, { m1: 'A', m2: 'B' }, 60_000),
			r(7, 2, { m1: 'A', m2: 'C' }, 70_000)
		],
		adjudications: [
			{
				itemId: 3,
				adjudicatorId: 9,
				instructionValid: null,
				inputValid: null,
				outputValid: null,
				errorReason: null,
				comment: '',
				updatedAt: '2024-01-03T00:00:00.000Z',
				ratings: [{ responseId: 31, model: 'm1', rating: 'A' }]
			}
		],
		gold: [
			{
				itemId: 7,
				instructionValid: null,
				inputValid: null,
				outputValid: null,
				errorReason: null,
				ratings: [
					{ responseId: 71, rating: 'A' },
					{ responseId: 72, rating: 'C' }
				]
			}
		],
		skips: [],
		reviewers: [
			{ id: 1, name: 'Ana' },
			{ id: 2, name: 'Ben' }
		]
	};
}

describe('response-rating report', () => {
	const report = buildAuditReport(ratingInput());

	it('shares each model’s A–D ratings at the label level: a response whose reviewers differ counts once, split among their letters', () => {
		const [m1, m2] = report.rating!.models;
		// m1: A (A A), B, A (adjudicated over A B), C, A (single): every response whole, Wilson as for counts.
		expect(m1).toMatchObject({ model: 'm1', counts: { A: 3, B: 1, C: 1, D: 0 }, n: 5, disagreements: 0, unrated: 1, adjudicated: 1 });
		expect(m1.shares).toEqual({ A: 0.6, B: 0.2, C: 0.2, D: 0 });
		expect(m1.aOrB).toMatchObject({ successes: 4, trials: 5, proportion: 0.8 });
		expect(m1.aOrB.lower).toBeCloseTo(W['4/5'][0], 12);
		expect(m1.aOrB.upper).toBeCloseTo(W['4/5'][1], 12);
		// m2: item 1 (B and C) is no longer left out as a tie: ½ B, ½ C, so n = 5 and A or B = (½ + 1 + 0 + 1 + 0)/5.
		expect(m2).toMatchObject({ model: 'm2', counts: { A: 1, B: 1.5, C: 1.5, D: 1 }, n: 5, disagreements: 1, unrated: 1, adjudicated: 0 });
		expect(m2.shares).toEqual({ A: 0.2, B: 0.3, C: 0.3, D: 0.2 });
		expect(m2.aOrB).toMatchObject({ successes: 2.5, trials: 5, proportion: 0.5 });
		const clustered = clusteredMeanOfShares([0.5, 1, 0, 1, 0], { labels: 9 });
		expect(m2.aOrB.lower).toBeCloseTo(clustered.lower, 12);
		expect(m2.aOrB.upper).toBeCloseTo(clustered.upper, 12);
		expect(report.rating!.ties).toEqual([{ itemId: 1, position: 0, taskId: 101, judgements: ['m2'], labels: 2 }]);
		expect(report.basis).toEqual({ overlap: 2, unlabelled: 1, single: 1, majority: 3, adjudicated: 1, tied: 1 });
	});

	it('compares two models on every task both are rated on, by mean rating, with the Wilcoxon signed-rank and sign tests', () => {
		expect(report.rating!.comparisons).toHaveLength(1);
		const c = report.rating!.comparisons[0];
		// Mean scores (A = 4 … D = 1), m1 − m2 on tasks 1–5: 4 − 2.5, 0, +3, −2, +2 (task 6 unrated by both).
		expect(c).toMatchObject({ first: 'm1', second: 'm2', tasks: 6, pairs: 5, notRatedByBoth: 1, firstBetter: 3, secondBetter: 1, same: 1, medianDifference: 1.5 });
		// Ranks of |1.5|, |3|, |2|, |2|: 1, 4, 2.5, 2.5 → V = 1 + 4 + 2.5 = 7.5; tied ranks → normal approximation.
		expect(c.wilcoxon).toMatchObject({ statistic: 7.5, n: 4, zeros: 1, method: 'normal' });
		// E[V] = 5, Var[V] = (1 + 16 + 6.25 + 6.25)/4 = 7.375, z = (2.5 − ½)/√7.375; p = erfc(z/√2) = 0.461451.
		expect(c.wilcoxon.z).toBeCloseTo(2 / Math.sqrt(7.375), 12);
		expect(c.wilcoxon.pValue).toBeCloseTo(0.46145099, 6);
		// Three + and one −: 2·P(X ≤ 1 | n = 4) = 2·5/16.
		expect(c.sign).toEqual({ n: 4, positive: 3, negative: 1, pValue: 0.625, holmPValue: 0.625 });
		// One comparison (two models): nothing to adjust.
		expect(c.family).toBe(1);
	});

	it('measures A–D agreement with Cohen’s κ (two reviewers) and ordinal α', () => {
		const [overall, m1, m2] = report.rating!.agreement!;
		expect([overall.key, m1.key, m2.key]).toEqual(['all models', 'm1', 'm2']);
		// 8 doubly rated responses, 6 agreeing: pₒ = 6/8; marginals A 3/2, B 2/4, C 2/1, D 1/1 → pₑ = 17/64.
		expect(overall.percent).toEqual({ value: 0.75, items: 8, pairs: 8 });
		expect(overall.kappa).toMatchObject({ method: 'cohen', items: 8, reviewers: 2, labelsPerItem: { min: 2, max: 2 } });
		expect(overall.kappa.value).toBeCloseTo(31 / 47, 12);
		expect(overall.alpha.level).toBe('ordinal');
		expect(overall.alpha.n).toBe(16);
		expect(overall.alpha.value).toBeCloseTo(
			krippendorffAlpha(
				[
					['A', 'A'],
					['C', 'B'],
					['B', 'B'],
					['B', 'B'],
					['A', 'B'],
					['D', 'D'],
					['C', 'C'],
					['A', 'A']
				],
				{ level: 'ordinal', order: ['A', 'B', 'C', 'D'] }
			).alpha!,
			12
		);
		// m1 alone: (A,A) (B,B) (A,B) (C,C) → 3 of 4.
		expect(m1.percent.value).toBe(0.75);
	});

	it('reports reviewers’ agreement and gold accuracy on ratings', () => {
		const [ana, ben] = report.reviewers;
		expect(ana).toMatchObject({ name: 'Ana', items: 5, goldItems: 1, medianSeconds: 35 });
		expect(ana.agreement).toEqual({ value: 0.75, pairs: 8, items: 4 });
		expect(ana.gold).toMatchObject({ successes: 1, trials: 2 });
		expect(ben.gold).toMatchObject({ successes: 2, trials: 2 });
	});

	it('gives exports per-response verdicts', () => {
		const verdicts = itemVerdictsOf(ratingInput());
		expect(verdicts[0].ratingsByResponse).toEqual([
			{ responseId: 11, model: 'm1', rating: 'A', tie: false, adjudicated: false, basis: 'majority' },
			{ responseId: 12, model: 'm2', rating: null, tie: true, adjudicated: false, basis: 'majority' }
		]);
		expect(verdicts[0]).toMatchObject({ tie: true, ties: ['m2'], allValid: null });
		expect(verdicts[2].ratingsByResponse![0]).toMatchObject({ rating: 'A', adjudicated: true, basis: 'adjudicated' });
	});
});

describe('report as CSV rows', () => {
	it('has one row per number, with n, interval and the paper reference', async () => {
		const { reportCsvRows, REPORT_CSV_COLUMNS } = await import('./flatten');
		const rows = reportCsvRows(buildAuditReport(qualityInput()));
		for (const row of rows) expect(Object.keys(row).sort()).toEqual([...REPORT_CSV_COLUMNS].sort());
		const allValid = rows.find((r) => r.section === 'rate' && r.group === 'all' && r.key === 'allValid')!;
		const row = buildAuditReport(qualityInput()).quality!.groups[0].rates.find((r) => r.key === 'allValid')!;
		expect(allValid).toMatchObject({ value: row.headline.proportion, n: 7, reference: 0.54, note: expect.stringMatching(/^headline: Item majority, ties as bounds — latent truth \(Dawid–Skene\) not shown: Only 4 items were labelled by three or more reviewers.* — between 28\.6% and 42\.9%$/) });
		expect(rows.find((r) => r.section === 'rate:majority' && r.group === 'all' && r.key === 'allValid:low')).toMatchObject({ value: 2 / 7, successes: 2, n: 7 });
		expect(rows.find((r) => r.section === 'rate:majority' && r.group === 'all' && r.key === 'allValid:high')).toMatchObject({ value: 3 / 7, successes: 3, n: 7 });
		expect(rows.find((r) => r.section === 'rate:label' && r.group === 'all' && r.key === 'allValid')).toMatchObject({ value: 9 / 17, successes: 9, n: 17 });
		expect(rows.find((r) => r.section === 'rate:latent' && r.group === 'all' && r.key === 'allValid')).toMatchObject({ value: row.latent.proportion, n: 7 });
		// Classification rows carry no paper reference (the papers give none per group).
		expect(rows.find((r) => r.section === 'rate' && r.group === 'classification' && r.key === 'allValid')!.reference).toBeNull();
		expect(rows.find((r) => r.section === 'breakdown' && r.group === 'all' && r.key === 'correct')).toMatchObject({ successes: 2, n: 7, reference: 0.565 });
		expect(rows.find((r) => r.section === 'agreement' && r.group === 'instruction' && r.key === 'krippendorff_alpha_nominal')).toMatchObject({ value: 0, n: 16 });
		const fleiss = rows.find((r) => r.section === 'agreement' && r.group === 'instruction' && r.key === 'fleiss_kappa')!;
		expect(fleiss).toMatchObject({ n: 6, note: "2–3 labels per item (Fleiss' kappa generalised to varying numbers of labels, Gwet 2014); 3 reviewers in all" });
		expect(fleiss.value).toBeCloseTo(-10 / 39, 12);
		expect(rows.filter((r) => r.section === 'tie').map((r) => r.group)).toEqual(['3']);
		expect(rows.find((r) => r.section === 'reviewer' && r.group === 'Ana' && r.key === 'gold_accuracy')).toMatchObject({ value: 1, successes: 3, n: 3 });

		const ratingRows = reportCsvRows(buildAuditReport(ratingInput()));
		expect(ratingRows.find((r) => r.section === 'model_rating' && r.group === 'm1' && r.key === 'aOrB')).toMatchObject({ value: 0.8, successes: 4, n: 5 });
		expect(ratingRows.find((r) => r.section === 'model_comparison' && r.key === 'sign_p')).toMatchObject({ group: 'm1 vs m2', value: 0.625, n: 4 });
		expect(ratingRows.find((r) => r.section === 'model_rating' && r.group === 'm2' && r.key === 'B')).toMatchObject({ value: 0.3, successes: 1.5, n: 5 });
		expect(ratingRows.find((r) => r.section === 'agreement' && r.group === 'all models' && r.key === 'cohen_kappa')!.value).toBeCloseTo(31 / 47, 12);
	});
});

describe('report as CSV rows: pairwise and conversation audits', () => {
	it('carries the win/tie/loss records, Bradley–Terry and agreement, and no tie or disagreement figures', async () => {
		const { reportCsvRows } = await import('./flatten');
		const { pairwiseReport } = await import('./shapes');
		const choices: ['a' | 'b' | 'tie' | 'both_bad', number][] = [['a', 1], ['a', 2], ['b', 1], ['tie', 2], ['a', 3], ['both_bad', 3], ['a', 4], ['a', 4]];
		const labels = choices.map(([preference, itemId], k) => ({ itemId, reviewerId: 1 + (k % 2), modelA: 'm1', modelB: 'm2', preference }));
		const base = buildAuditReport(qualityInput());
		const report = { ...base, audit: { ...base.audit, kind: 'pairwise' as const }, quality: null, pairwise: pairwiseReport(labels) };
		const rows = reportCsvRows(report);
		expect(rows.find((r) => r.section === 'pairwise' && r.key === 'comparisons')?.value).toBe(7);
		expect(rows.find((r) => r.section === 'pairwise_record' && r.key === 'wins')).toMatchObject({ group: 'm1 vs m2', successes: 5, n: 7 });
		expect(rows.find((r) => r.section === 'pairwise_record' && r.key === 'ties')).toMatchObject({ successes: 1, n: 7 });
		// Items carry two choices each: the intervals are clustered by item, and the note says so (it said "Wilson").
		expect(rows.find((r) => r.section === 'pairwise_record' && r.key === 'wins')!.note).toBe('Wilson at the effective sample size, clustered by item');
		expect(rows.filter((r) => r.section === 'position_bias')).toEqual([]);
		expect(rows.find((r) => r.section === 'pairwise' && r.key === 'agreement')).toMatchObject({ successes: 1, n: 4, note: '4 items with two or more choices' });
		expect(rows.filter((r) => r.section === 'bradley_terry').map((r) => r.group)).toEqual(['m1', 'm2']);
		// Its intervals are the cluster-robust sandwich over the 4 items, and the note and JSON say so (they said "observed-information").
		expect(report.pairwise.bradleyTerry!.intervals).toBe('cluster-robust');
		expect(rows.find((r) => r.section === 'bradley_terry')!.note).toBe(
			'95% Wald intervals from the cluster-robust (sandwich) variance over 4 items, with the G/(G − 1) correction; wins count ties as halves'
		);
		expect(rows.some((r) => r.key === 'disagreements' || r.key === 'tied')).toBe(false);
		// The paper table's note names the interval method too (it named none).
		const { reportPaperTables } = await import('./paper-tables');
		const table = reportPaperTables(report).find((t) => t.id === 'bradley-terry')!;
		expect(table.table.notes!.join(' ')).toContain('95% Wald intervals from the cluster-robust (sandwich) variance over 4 items, with the G/(G − 1) correction.');
	});

	it('names the reviewers of the position-bias rows by their email, as every other row does (they read "reviewer 2")', async () => {
		const { reportCsvRows } = await import('./flatten');
		const { pairwiseReport } = await import('./shapes');
		const labels = Array.from({ length: 6 }, (_, itemId) => ({ itemId, reviewerId: 1, modelA: 'm1', modelB: 'm2', preference: 'a' as const, screenChoice: 'A' as const }));
		const base = buildAuditReport(qualityInput());
		const report = { ...base, audit: { ...base.audit, kind: 'pairwise' as const }, quality: null, pairwise: pairwiseReport(labels) };
		const name = base.reviewers.find((r) => r.reviewerId === 1)!.name;
		expect(reportCsvRows(report).filter((row) => row.section === 'position_bias').map((row) => row.group)).toEqual([name]);
	});

	it('carries a conversation audit\'s agreement, on the whole and reply by reply', async () => {
		const { reportCsvRows } = await import('./flatten');
		const { conversationReport } = await import('./shapes');
		// Both reviewers fault one reply of each conversation, but not the same one: they agree on every whole, on no faulted reply.
		const labels = [1, 2, 3].flatMap((itemId) =>
			[1, 2].map((reviewerId) => ({ itemId, reviewerId, turns: [{ valid: true, rating: 'A' as const }, { valid: reviewerId === 1, rating: reviewerId === 1 ? ('A' as const) : ('C' as const) }, { valid: reviewerId === 2, rating: reviewerId === 2 ? ('A' as const) : ('C' as const) }] }))
		);
		const base = buildAuditReport(qualityInput());
		const report = { ...base, audit: { ...base.audit, kind: 'conversation' as const }, quality: null, conversation: conversationReport(labels) };
		const rows = reportCsvRows(report).filter((r) => r.section === 'conversation_agreement' && r.key === 'percent_agreement');
		expect(rows.map((r) => [r.group, r.value, r.n])).toEqual([
			['conversation', 1, 3],
			['reply', 3 / 9, 9]
		]);
		expect(rows.map((r) => r.label)).toEqual(['Every reply of the conversation valid: percent agreement', 'Each reply valid: percent agreement']);
	});

	it('says "no items" for an empty group rather than a range of 0.0% to 0.0%', async () => {
		const { reportCsvRows } = await import('./flatten');
		const input = qualityInput();
		input.items = input.items.map((i) => ({ ...i, isClassification: false }));
		const rows = reportCsvRows(buildAuditReport(input));
		const empty = rows.find((r) => r.section === 'rate' && r.group === 'classification' && r.key === 'allValid')!;
		expect(empty.n).toBe(0);
		expect(empty.note).toMatch(/ — no items$/);
	});
});

describe('tied items listed', () => {
	it('the first tiesListed only, the count in basis.tied, the rest of the report unchanged', () => {
		for (const input of [qualityInput(), ratingInput()]) {
			const full = buildAuditReport(input);
			const section = (r: ReturnType<typeof buildAuditReport>) => (r.quality ?? r.rating)!;
			expect(full.basis.tied).toBe(section(full).ties.length);
			expect(section(full).ties.length).toBeGreaterThan(0);
			const trimmed = buildAuditReport(input, { tiesListed: 1 });
			expect(section(trimmed).ties).toEqual(section(full).ties.slice(0, 1));
			expect(trimmed.basis.tied).toBe(full.basis.tied);
			expect({ ...trimmed, quality: trimmed.quality && { ...trimmed.quality, ties: [] }, rating: trimmed.rating && { ...trimmed.rating, ties: [] } }).toEqual({
				...full,
				quality: full.quality && { ...full.quality, ties: [] },
				rating: full.rating && { ...full.rating, ties: [] }
			});
		}
	});
});

describe('disagreements', () => {
	it('lists items whose reviewers disagree, tied ones first, with labels side by side', async () => {
		const { disagreementEntries } = await import('./disagreements');
		const { entries, counts } = disagreementEntries(qualityInput());
		expect(counts).toEqual({ all: 5, open: 3, adjudicated: 1, adjudicatedAgreeing: 0, stale: 0 });
		expect(entries.map((e) => [e.itemId, e.open, e.adjudicated])).toEqual([
			[3, true, false],
			[4, true, false],
			[9, true, false],
			[2, false, false],
			[5, false, true]
		]);
		expect(entries[1].labels.map((l) => [l.reviewerName, l.errorReason])).toEqual([
			['Ana', 'incorrect_output'],
			['Ben', 'other'],
			['Cy', null]
		]);
		expect(entries[4].adjudication).toMatchObject({ outputValid: false, comment: 'output is wrong' });
		expect(disagreementEntries(qualityInput(), 'open').entries.map((e) => e.itemId)).toEqual([3, 4, 9]);
		expect(disagreementEntries(qualityInput(), 'adjudicated').entries.map((e) => e.itemId)).toEqual([5]);
		const rating = disagreementEntries(ratingInput());
		expect(rating.entries.map((e) => [e.itemId, e.open, e.adjudicated])).toEqual([
			[1, true, false],
			[3, false, true]
		]);
	});

	it("keeps the reviewers' own majority apart from the adjudicated verdict (the Majority column)", async () => {
		const { disagreementEntries } = await import('./disagreements');
		const item5 = disagreementEntries(qualityInput()).entries.find((e) => e.itemId === 5)!;
		// The adjudication decides the item's verdict; the reviewers' majority knows nothing of it.
		expect(item5.quality!.adjudicated).toBe(true);
		expect(item5.reviewerMajority.quality!.adjudicated).toBe(false);
		expect(item5.reviewerMajority.quality!.category).not.toBe(item5.quality!.category);
		const rating3 = disagreementEntries(ratingInput()).entries.find((e) => e.itemId === 3)!;
		expect(rating3.reviewerMajority.rating!.adjudicated).toBe(false);
		expect(rating3.rating!.adjudicated).toBe(true);
		// Items nobody adjudicated: one verdict, the same object.
		const open = disagreementEntries(qualityInput()).entries.find((e) => e.itemId === 3)!;
		expect(open.reviewerMajority.quality).toBe(open.quality);
	});

	it('counts disputed items as the report does, and flags an adjudication made before a label changed', async () => {
		const { disagreementEntries } = await import('./disagreements');
		// Item 5 was adjudicated on 2024-01-03; reviewer 1 then changed their label to agree with reviewer 2.
		const input = qualityInput();
		input.labels = input.labels.map((l) => (l.itemId === 5 && l.reviewerId === 1 ? { ...q(5, 1, 'YYY'), updatedAt: '2024-01-04T00:00:00.000Z' } : l));
		const report = buildAuditReport(input, { replicates: 2 });
		const { entries, counts } = disagreementEntries(input);
		expect(counts).toEqual({ all: 4, open: 3, adjudicated: 1, adjudicatedAgreeing: 1, stale: 1 });
		expect(counts.all).toBe(report.disagreements);
		// The unanimous item is no disagreement any more: listed with the adjudications, flagged.
		expect(entries.map((e) => e.itemId)).toEqual([3, 4, 9, 2]);
		expect(disagreementEntries(input, 'adjudicated').entries.map((e) => [e.itemId, e.disagreement, e.staleAdjudication])).toEqual([[5, false, true]]);
		expect(report.staleAdjudications).toBe(1);
		// Said by every rendering: the page and the text report (staleAdjudicationsNote), the paper tables' notes.
		const { staleAdjudicationsNote } = await import('./format');
		const { reportPaperTables } = await import('./paper-tables');
		const sentence = '1 item was adjudicated before a reviewer changed their label; the final labels still decide it here.';
		expect(staleAdjudicationsNote(report)).toBe(sentence);
		expect(reportPaperTables(report).find((t) => t.id === 'quality')!.table.notes).toContain(sentence);
		// Unchanged labels: the adjudication is current.
		expect(buildAuditReport(qualityInput(), { replicates: 2 }).staleAdjudications).toBe(0);
		expect(staleAdjudicationsNote(buildAuditReport(qualityInput(), { replicates: 2 }))).toBeNull();
		expect(reportPaperTables(buildAuditReport(qualityInput(), { replicates: 2 })).find((t) => t.id === 'quality')!.table.notes!.join(' ')).not.toContain('adjudicated before');
		expect(disagreementEntries(qualityInput(), 'adjudicated').entries[0].staleAdjudication).toBe(false);
	});
});

describe("the report's label-level rates", () => {
	it('are labelLevelRate over each group’s items and their labels (read from the verdicts’ counts of answers), blank answers and adjudications included', () => {
		const input = syntheticQualityInput(90, 4);
		// Blank answers (the question did not apply) and an adjudication, which the label level ignores.
		input.labels = input.labels.map((l, i) => (i % 7 === 0 ? { ...l, inputValid: null } : i % 11 === 0 ? { ...l, outputValid: null } : l));
		input.adjudications.push({ itemId: input.items[5].id, adjudicatorId: 1, instructionValid: false, inputValid: false, outputValid: false, errorReason: 'other', comment: '', updatedAt: '2024-01-03T00:00:00.000Z', ratings: [] });
		const report = buildAuditReport(input, { replicates: 2 });
		const byItem = labelsByItem(input.labels);
		for (const group of report.quality!.groups) {
			const ids = input.items.filter((i) => !i.isGold && (group.key === 'all' || groupOf(i) === group.key)).map((i) => i.id);
			expect(ids.length).toBe(group.items);
			for (const rate of group.rates) expect(rate.label, `${group.key} ${rate.key}`).toEqual(labelLevelRate(ids, byItem, rate.key, 0.95));
		}
	});
});

describe('the pooled "all fields valid" estimate of several audits (an export\'s manifest)', () => {
	/** Another audit of the same dataset: items `from`..`to` of `input` sampled again, with new item and label ids. */
	function auditAgain(input: ReportInput, auditId: number, keep: (item: ReportItem) => boolean): ReportInput {
		const offset = auditId * 100_000;
		const items = input.items.filter(keep);
		const ids = new Set(items.map((i) => i.id));
		return {
			...input,
			audit: { ...input.audit, id: auditId },
			items: items.map((i) => ({ ...i, id: i.id + offset })),
			labels: input.labels.filter((l) => ids.has(l.itemId)).map((l) => ({ ...l, id: l.id + offset, itemId: l.itemId + offset })),
			adjudications: input.adjudications.filter((a) => ids.has(a.itemId)).map((a) => ({ ...a, itemId: a.itemId + offset })),
			gold: []
		};
	}

	it('counts an instance that two audits sampled once: a copied audit adds nothing, an overlapping one only its new rows', () => {
		const input = syntheticQualityInput(120, 3, { overlap: 2 });
		const instances = input.items.map((i) => i.instanceId!);
		const alone = allValidEstimateOfInstances([input], instances, { replicates: 5, estimator: 'majority' });
		expect(alone.items).toBe(120);
		// A bundle of the same audit copied into the dataset: the same rows, the same labels.
		const copied = allValidEstimateOfInstances([input, auditAgain(input, 2, () => true)], instances, { replicates: 5, estimator: 'majority' });
		expect(copied.items).toBe(120);
		expect(copied.majority).toEqual(alone.majority);
		expect(copied.label.labels).toBe(alone.label.labels);
		// A second audit over the first 40 rows and 30 it alone sampled: 150 rows in all.
		const other = auditAgain(input, 3, (i) => i.position < 40);
		const own = syntheticQualityInput(30, 9, { overlap: 2 });
		other.items.push(...own.items.map((i) => ({ ...i, id: i.id + 900_000, instanceId: i.instanceId! + 900_000 })));
		other.labels.push(...own.labels.map((l) => ({ ...l, id: l.id + 900_000, itemId: l.itemId + 900_000 })));
		const pooled = allValidEstimateOfInstances([input, other], [...instances, ...own.items.map((i) => i.instanceId! + 900_000)], { replicates: 5, estimator: 'majority' });
		expect(pooled.items).toBe(150);
	});

	it('pooled audits whose reviewers each work only in pairs: latent truth is not headlined though the shared items identify the pooled fit, and says why', () => {
		// Two k = 2 audits with their own pair of reviewers, sharing 12 rows (four labels each: enough three-view items for the pooled data alone).
		let seed = 7;
		const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const pairAudit = (auditId: number, name: string, reviewers: [number, number], instances: number[]): ReportInput => {
			const base = syntheticQualityInput(1, 1, { overlap: 2 });
			const items: ReportItem[] = instances.map((instanceId, position) => ({ id: auditId * 1000 + position, position, taskId: instanceId, instanceId, stratum: null, isGold: false, isClassification: false, responses: [] }));
			const labels: ReportLabel[] = items.flatMap((item) => {
				const truth = item.instanceId! % 2 === 0;
				return reviewers.map((reviewerId) => {
					const yes = rnd() < 0.88 ? truth : !truth;
					return { ...base.labels[0], id: item.id * 10 + reviewerId, itemId: item.id, reviewerId, instructionValid: yes, inputValid: true, outputValid: true, errorReason: yes ? null : ('incomprehensible_instruction' as ErrorReason) };
				});
			});
			return { ...base, audit: { ...base.audit, id: auditId, name }, items, labels, reviewers: [1, 2, 3, 4].map((id) => ({ ...base.reviewers[0], id, name: `r${id}` })) };
		};
		const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
		const a = pairAudit(1, 'S-strat', [1, 2], range(1, 40));
		const b = pairAudit(2, 'P-plain', [3, 4], range(29, 90));
		const pooled = allValidEstimateOfInstances([a, b], range(1, 90), { replicates: 20 });
		expect(pooled.items).toBe(90);
		// The pooled fit alone passes the identification rules (12 items with four reviewers)…
		expect(pooled.latent.identified).toBe(true);
		// …but neither audit's own labels identify it, so the headline is the majority bounds, saying why.
		expect(pooled.headline.estimator).toBe('majority');
		expect(pooled.headline.fallback).toContain('the audits are pooled, and the labels of audits "S-strat", "P-plain" do not identify the latent-class model on their own (reviewers working only in pairs');
		// A researcher who asks for latent truth gets it, with the reason as its caveat.
		const asked = allValidEstimateOfInstances([a, b], range(1, 90), { replicates: 20, estimator: 'latent' });
		expect(asked.headline.estimator).toBe('latent');
		expect(asked.headline.caveat).toContain('do not identify the latent-class model on their own');
	});
});

describe('a latent-truth fit the data do not pin down', () => {
	// An exploratory tester's audit: 19 items, reviewers 2, 3, 4 on most, 5 on two; on input, 55
	// of 57 answers are yes, the two no's from different reviewers on different items. EM stopped
	// at "44% appropriate" with every reviewer answering both classes alike: any class share fits
	// these answers as well, so the figure meant nothing and the majority (100%) is what holds.
	const noInput = new Set(['13:3', '18:4']);
	const reviewersOf = (i: number) => (i === 14 ? [2, 3, 5] : i === 15 ? [3, 4, 5] : [2, 3, 4]);
	const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20];
	const input = (): ReportInput => ({
		audit: audit('quality', { overlap: 3, sampleSize: 19, itemCount: 19, goldCount: 0 }),
		items: ids.map((id, position) => item(id, false, { position })),
		labels: ids.flatMap((i) => reviewersOf(i).map((j) => q(i, j, noInput.has(`${i}:${j}`) ? 'YNY' : 'YYY'))),
		adjudications: [],
		gold: [],
		skips: [],
		reviewers: [2, 3, 4, 5].map((id) => ({ id, name: `R${id}` }))
	});

	it('is not reported: the headline falls back to the majority with the reason', () => {
		const rate = buildAuditReport(input()).quality!.groups[0].rates.find((r) => r.key === 'input')!;
		expect(rate.latent).toMatchObject({ status: 'not-identified', proportion: null });
		// EM now reaches 94% (the same likelihood as 44%: the ridge), where one reviewer's single "no"
		// marks the other class; either way, no three reviewers tell the classes apart.
		expect(rate.latent.reason).toMatch(/^Only one reviewer tells the model's two classes apart \(Youden's J above 0\.2\)/);
		expect(rate.headline).toMatchObject({ estimator: 'majority', proportion: 1, fallback: rate.latent.reason });
	});
});

describe('a stratified audit', () => {
	it('whose items all fell in one stratum (classification unknown everywhere) is not called stratified, so no pooling caveat', () => {
		const input = syntheticQualityInput(20);
		expect(buildAuditReport({ ...input, items: input.items.map((i) => ({ ...i, stratum: 'unknown' })) }, { replicates: 5 }).stratified).toBe(false);
		expect(buildAuditReport({ ...input, items: input.items.map((i, n) => ({ ...i, stratum: n % 2 ? 'classification' : 'unknown' })) }, { replicates: 5 }).stratified).toBe(true);
	});
});
