/**
 * Reports end to end: audits built through the real import, audit creation and routing paths, with
 * labels chosen per task and reviewer (ties, skips, gold, an adjudication), then every number of
 * the report checked by hand — and the CLI's `report <id> --json` checked to print the same.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { WILSON_95 } from '../../src/lib/reports/fixtures/wilson-reference';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import type { Db } from '../../src/lib/server/db';
import {
	ReportError,
	auditReport,
	clearAdjudication,
	compareAudits,
	itemVerdicts,
	labelRecords,
	labelsDownload,
	labelsJsonl,
	listDisagreements,
	listReportableAudits,
	reportCsv,
	setAdjudication,
	setHeadlineEstimator,
	disagreementEntry,
	loadReportInput
} from '../../src/lib/server/reports';
import type { ReportInput } from '../../src/lib/reports';
import { dawidSkeneBootstrap, observationColumns, wilsonInterval } from '../../src/lib/stats';
import type { AuditReport } from '../../src/lib/reports';
import { CLI_ENTRY } from '../support/cli-bundle';

const run = promisify(execFile);

const W: Record<string, readonly [number, number]> = WILSON_95;

function expectInterval(actual: { lower: number; upper: number }, key: string) {
	expect(actual.lower, `${key} lower`).toBeCloseTo(W[key][0], 12);
	expect(actual.upper, `${key} upper`).toBeCloseTo(W[key][1], 12);
}

let db: Db;
let file: string;
let cleanup: () => void;
let quality: BuiltAudit;
let rating: BuiltAudit;
let researcherId: number;

/**
 * Quality audit, overlap 3, reviewers Ana, Ben, Cy; "skip" = the reviewer skips the item.
 *  t1 (cls)  YYY YYY YYY                 → correct
 *  t2 (cls)  YYN YYN YYY                 → output no → incorrect_output
 *  t3 (non)  NYY YYY skip                → instruction ties → all-valid ties
 *  t4 (non)  YYN:io YYN:other YYY        → output no, reasons tie
 *  t5 (non)  YNN YYY skip  + adjudication YYN incorrect_output
 *  t6 (null) YYY skip skip               → single label: correct
 *  t7 (non)  skip skip skip              → no label
 *  t9 (non)  YNY YYN YYY                 → every question's majority yes → correct
 *  g8 gold YYN: Ana YYN, Ben YYY, Cy skip
 */
beforeAll(async () => {
	({ db, file, cleanup } = createTestDb());
	researcherId = (
		db.$client.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('res@x.org', 'Rita', 'researcher', 'x', 0) RETURNING id`).get() as { id: number }
	).id;
	quality = await buildQualityAudit(db, {
		datasetName: 'report-quality',
		name: 'Quality audit A',
		...QUALITY_AUDIT_PLAN
	});
	setAdjudication(
		quality.auditId,
		quality.items.t5,
		researcherId,
		{ kind: 'quality', instructionValid: true, inputValid: true, outputValid: false, errorReason: 'incorrect_output', comment: 'the output is wrong' },
		db
	);

	rating = await buildRatingAudit(db, {
		datasetName: 'report-rating',
		name: 'Rating audit',
		tasks: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((key) => ({ key, classification: null })),
		models: ['m1', 'm2'],
		reviewers: ['Dee', 'Eli'],
		overlap: 2,
		labels: {
			r1: { Dee: { ratings: { m1: 'A', m2: 'C' }, seconds: 10 }, Eli: { ratings: { m1: 'A', m2: 'B' }, seconds: 30 } },
			r2: { Dee: { ratings: { m1: 'B', m2: 'B' }, seconds: 20 }, Eli: { ratings: { m1: 'B', m2: 'B' }, seconds: 40 } },
			r3: { Dee: { ratings: { m1: 'A', m2: 'D' }, seconds: 30 }, Eli: { ratings: { m1: 'B', m2: 'D' }, seconds: 50 } },
			r4: { Dee: { ratings: { m1: 'C', m2: 'A' }, seconds: 40 }, Eli: { ratings: { m1: 'C', m2: 'A' }, seconds: 60 } },
			r5: { Dee: { ratings: { m1: 'A', m2: 'C' }, seconds: 50 } }
		}
	});
	setAdjudication(
		rating.auditId,
		rating.items.r3,
		researcherId,
		{
			kind: 'rating',
			ratings: [
				{ responseId: rating.responses.r3.m1, rating: 'A' },
				{ responseId: rating.responses.r3.m2, rating: 'D' }
			]
		},
		db
	);
});
afterAll(() => cleanup());

describe('data-quality report from a real audit', () => {
	let report: AuditReport;
	beforeAll(() => {
		report = auditReport(quality.auditId, {}, db);
	});
	const group = (key: string) => report.quality!.groups.find((g) => g.key === key)!;
	const rate = (g: string, key: string) => group(g).rates.find((r) => r.key === key)!;

	it('counts the work and says where the labels come from', () => {
		expect(report.audit).toMatchObject({ id: quality.auditId, name: 'Quality audit A', kind: 'quality', overlap: 3, datasetName: 'report-quality', itemCount: 8, goldCount: 1, routing: 'breadth', headlineEstimator: null });
		expect(report.progress).toEqual({ items: 8, goldItems: 1, labelledItems: 7, completeItems: 4, labels: 17, goldLabels: 2, skips: 8, reviewers: 3 });
		// Tied on a yes/no judgement: t3 (instruction, so all-valid). t4 and t9 tie only on the
		// reasons of those who found fault: every rate of theirs is decided (the breakdown's "reason tied").
		expect(report.basis).toEqual({ overlap: 3, unlabelled: 1, single: 1, majority: 5, adjudicated: 1, tied: 1 });
		expect(report.disagreements).toBe(5);
		// k = 3, but latent truth is not identified (4 items seen by three): the data chose the item majority for every question.
		expect(report.estimator).toEqual({ requested: 'auto', automatic: 'majority', byQuestion: { instruction: 'majority', input: 'majority', output: 'majority', allValid: 'majority' } });
		expect(report.qualification).toBeNull();
		// Ties are listed in sample order, which the seeded draw decides.
		const ties = new Map(report.quality!.ties.map((t) => [t.itemId, [t.judgements, t.labels]]));
		expect(ties).toEqual(
			new Map<number, unknown>([[quality.items.t3, [['instruction', 'allValid'], 2]]])
		);
		const positions = report.quality!.ties.map((t) => t.position);
		expect(positions).toEqual([...positions].sort((a, b) => a - b));
	});

	it('gives every rate by item majority with ties as bounds, each bound with its Wilson interval', () => {
		// [group, rate, yes, no, tied, Self-Instruct]. t9's reviewers said YNY, YYN, YYY: every
		// question's majority is yes, but two of three found the item not all valid — so it is not.
		const expected: Array<[string, string, number, number, number, number]> = [
			['all', 'instruction', 6, 0, 1, 0.92],
			['all', 'input', 7, 0, 0, 0.79],
			['all', 'output', 4, 3, 0, 0.58],
			['all', 'allValid', 2, 4, 1, 0.54],
			['classification', 'instruction', 2, 0, 0, 0.92],
			['classification', 'input', 2, 0, 0, 0.79],
			['classification', 'output', 1, 1, 0, 0.58],
			['classification', 'allValid', 1, 1, 0, 0.54],
			['non-classification', 'instruction', 3, 0, 1, 0.92],
			['non-classification', 'input', 4, 0, 0, 0.79],
			['non-classification', 'output', 2, 2, 0, 0.58],
			['non-classification', 'allValid', 0, 3, 1, 0.54],
			['unknown', 'instruction', 1, 0, 0, 0.92],
			['unknown', 'input', 1, 0, 0, 0.79],
			['unknown', 'output', 1, 0, 0, 0.58],
			['unknown', 'allValid', 1, 0, 0, 0.54]
		];
		expect(report.quality!.groups.map((g) => [g.key, g.items, g.labelled, g.decided, g.incorrect])).toEqual([
			['all', 8, 7, 7, 4],
			['classification', 2, 2, 2, 1],
			['non-classification', 5, 4, 4, 3],
			['unknown', 1, 1, 1, 0]
		]);
		for (const [g, key, yes, no, ties, reference] of expected) {
			const row = rate(g, key);
			const n = yes + no + ties;
			expect(row, `${g} ${key}`).toMatchObject({ yes, no, ties, reference });
			expect(row.majority, `${g} ${key}`).toMatchObject({ estimator: 'majority', n, yes, no, ties, adjudicated: g === 'all' || g === 'non-classification' ? 1 : 0 });
			for (const [bound, successes] of [
				[row.majority.low, yes],
				[row.majority.high, yes + ties]
			] as const) {
				const w = wilsonInterval(successes, n);
				expect(bound).toMatchObject({ successes, trials: n, proportion: successes / n });
				expect(bound.lower).toBeCloseTo(w.lower, 12);
				expect(bound.upper).toBeCloseTo(w.upper, 12);
			}
		}
		// The shared reference table agrees with the Wilson code used above.
		expectInterval(rate('all', 'output').majority.low, '4/7');
		expectInterval(rate('all', 'input').majority.low, '7/7');
		expectInterval(rate('classification', 'output').majority.low, '1/2');
	});

	it('gives the label-level share of yes labels, clustered by item', () => {
		// [group, rate, yes labels, labels, items]
		const expected: Array<[string, string, number, number, number]> = [
			['all', 'instruction', 16, 17, 7],
			['all', 'input', 15, 17, 7],
			['all', 'output', 11, 17, 7],
			['all', 'allValid', 9, 17, 7],
			['classification', 'output', 4, 6, 2],
			['classification', 'allValid', 4, 6, 2],
			['unknown', 'allValid', 1, 1, 1]
		];
		for (const [g, key, yes, labels, items] of expected) {
			const label = rate(g, key).label;
			expect(label, `${g} ${key}`).toMatchObject({ estimator: 'label', yes, labels, n: items, proportion: yes / labels });
			expect(label.lower).toBeLessThanOrEqual(yes / labels);
			expect(label.upper).toBeGreaterThanOrEqual(yes / labels);
		}
	});

	it('gives the latent-truth rate from the same model fitted directly (gold anchoring, t5 fixed by its adjudication)', () => {
		// The answers as Dawid–Skene reads them: sampled items, then gold g8 (outside the population).
		const labels = db.$client
			.prepare('SELECT item_id AS itemId, reviewer_id AS reviewerId, instruction_valid AS i, input_valid AS n, output_valid AS o FROM audit_labels WHERE audit_id = ? ORDER BY item_id, submitted_at, id')
			.all(quality.auditId) as Array<{ itemId: number; reviewerId: number; i: number; n: number; o: number }>;
		const sampled = db.$client.prepare('SELECT id, task_id AS taskId FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY position').all(quality.auditId) as Array<{ id: number; taskId: number }>;
		const index = new Map(sampled.map((item, i) => [item.id, i]));
		index.set(quality.items.g8, index.size);
		const raters = new Map<number, number>();
		for (const l of labels) if (!raters.has(l.reviewerId)) raters.set(l.reviewerId, raters.size);
		const allValid = (l: { i: number; n: number; o: number }) => (l.i && l.n && l.o ? 1 : 0);
		const fit = dawidSkeneBootstrap(
			{
				classes: 2,
				items: index.size,
				raters: raters.size,
				observations: observationColumns(labels.map((l) => ({ item: index.get(l.itemId)!, rater: raters.get(l.reviewerId)!, label: allValid(l) }))),
				known: [
					{ item: index.get(quality.items.t5)!, label: 0 },
					{ item: index.get(quality.items.g8)!, label: 0 }
				],
				outside: [index.get(quality.items.g8)!]
			},
			{ groups: [sampled.map((item) => index.get(item.id)!)] }
		);
		const row = rate('all', 'allValid');
		// Fitted, but only 4 items carry three reviewers' labels: not identified, shown with the reason.
		expect(row.latent).toMatchObject({ estimator: 'latent', status: 'ok', identified: false, reason: expect.stringMatching(/^Only 4 items were labelled by three or more reviewers/), n: 7, replicates: 200 });
		expect(row.latent.proportion).toBeCloseTo(fit.groups[0].rate!, 12);
		expect(row.latent.lower).toBeCloseTo(fit.groups[0].lower, 12);
		expect(row.latent.upper).toBeCloseTo(fit.groups[0].upper, 12);
		// So the headline chosen by the data is the item-majority bounds, with that reason.
		expect(row.headline).toMatchObject({ estimator: 'majority', requested: 'auto', fallback: row.latent.reason, n: 7, low: 2 / 7, high: 3 / 7 });
		for (const g of report.quality!.groups) for (const r of g.rates) expect(r.latent.status, `${g.key} ${r.key}`).toBe('ok');
		// Each reviewer's error rates come from that fit.
		const ana = report.reviewers.find((r) => r.name === 'Ana')!;
		const j = raters.get(quality.reviewers.Ana)!;
		expect(ana.errorRates.allValid!.sensitivity).toBeCloseTo(fit.fit.confusion[j][1][1], 12);
		expect(ana.errorRates.allValid!.specificity).toBeCloseTo(fit.fit.confusion[j][0][0], 12);
		expect(ana.errorRates.allValid!.answers).toBe(8);
		// …and say they are not identified: no reviewer is called random from them.
		expect(ana.errorRates.allValid!.identified).toBe(false);
		expect(report.reviewers.flatMap((r) => r.looksRandom)).toEqual([]);
	});

	it('switches the headline when a researcher picks another estimator, and back', () => {
		setHeadlineEstimator(quality.auditId, 'majority', db);
		const picked = auditReport(quality.auditId, {}, db);
		const row = picked.quality!.groups[0].rates.find((r) => r.key === 'allValid')!;
		expect(picked.estimator.requested).toBe('majority');
		expect(row.headline).toMatchObject({ estimator: 'majority', requested: 'majority', n: 7, proportion: null, low: 2 / 7, high: 3 / 7 });
		expect(row.headline.lower).toBeCloseTo(wilsonInterval(2, 7).lower, 12);
		expect(row.headline.upper).toBeCloseTo(wilsonInterval(3, 7).upper, 12);
		expect(auditReport(quality.auditId, { estimator: 'label' }, db).quality!.groups[0].rates[3].headline).toMatchObject({ estimator: 'label', proportion: 9 / 17 });
		setHeadlineEstimator(quality.auditId, null, db);
		expect(auditReport(quality.auditId, {}, db)).toEqual(report);
	});

	it('breaks labelled items down into correct and Unnatural Instructions’ error reasons, with ties', () => {
		const rows = (g: string) => group(g).breakdown.map((r) => [r.key, r.count, r.trials]);
		expect(rows('all')).toEqual([
			['correct', 2, 7],
			['incomprehensible_instruction', 0, 7],
			['input_mismatch', 0, 7],
			['incorrect_output', 2, 7],
			['other', 0, 7],
			['reason_tied', 2, 7],
			['valid_tied', 1, 7]
		]);
		const all = Object.fromEntries(group('all').breakdown.map((r) => [r.key, r]));
		const w = wilsonInterval(2, 7);
		expect(all.correct.lower).toBeCloseTo(w.lower, 12);
		expect(all.correct.reference).toEqual({ count: 113, share: 0.565 });
		expect(all.incorrect_output.reference).toEqual({ count: 43, share: 0.215 });
		expect(all.input_mismatch.reference).toEqual({ count: 35, share: 0.175 });
		expect(all.incomprehensible_instruction.reference).toEqual({ count: 9, share: 0.045 });
		expect(all.incorrect_output.shareOfIncorrect).toBeCloseTo(2 / 4, 12);
		expect(rows('classification')).toEqual([
			['correct', 1, 2],
			['incomprehensible_instruction', 0, 2],
			['input_mismatch', 0, 2],
			['incorrect_output', 1, 2],
			['other', 0, 2]
		]);
		expect(rows('non-classification')).toEqual([
			['correct', 0, 4],
			['incomprehensible_instruction', 0, 4],
			['input_mismatch', 0, 4],
			['incorrect_output', 1, 4],
			['other', 0, 4],
			['reason_tied', 2, 4],
			['valid_tied', 1, 4]
		]);
	});

	it('measures agreement per question with percent agreement, Fleiss’ κ and Krippendorff’s α', () => {
		const a = Object.fromEntries(report.quality!.agreement!.map((r) => [r.key, r]));
		expect(a.instruction.percent.value).toBeCloseTo(5 / 6, 12);
		expect(a.instruction.percent).toMatchObject({ items: 6, pairs: 14 });
		// Every item labelled at least twice, 2 or 3 labels each (Fleiss' κ generalised, Gwet 2014): κ = −10/39 (by hand in src/lib/reports/report.test.ts).
		expect(a.instruction.kappa).toMatchObject({ method: 'fleiss', items: 6, reviewers: 3, labelsPerItem: { min: 2, max: 3 } });
		expect(a.instruction.kappa.value).toBeCloseTo(-10 / 39, 12);
		expect(a.instruction.alpha).toEqual({ level: 'nominal', value: 0, n: 16, units: 6 });
		// Input: Ana's "no" on t5 and t9 against two and one "yes" → per-item 1,1,1,1,0,1/3.
		expect(a.input.percent.value).toBeCloseTo((4 + 1 / 3) / 6, 12);
		expect(a.output.percent.value).toBeCloseTo(0.5, 12);
		expect(a.output.kappa.value).toBeCloseTo(-64 / 377, 12);
		expect(a.allValid.scale).toBe('yes/no');
		expect(a.category.scale).toBe('category');
	});

	it('reports reviewers: items, skips, median seconds, agreement, gold accuracy', () => {
		expect(report.reviewers.map((r) => [r.name, r.items, r.goldItems, r.skips, r.medianSeconds, r.medianActiveSeconds])).toEqual([
			['Ana', 7, 1, 1, 5.5, 2.75],
			['Ben', 6, 1, 2, 9, 4.5],
			['Cy', 4, 0, 5, 17.5, 8.75]
		]);
		const [ana, ben, cy] = report.reviewers;
		expect(ana.agreement).toEqual({ value: 22 / 30, pairs: 30, items: 6 });
		expect(ana.gold).toMatchObject({ items: 1, successes: 3, trials: 3, proportion: 1 });
		expectInterval(ana.gold!, '3/3');
		expect(ben.gold).toMatchObject({ items: 1, successes: 2, trials: 3 });
		expect(cy.gold).toBeNull();
		// Cy agrees with both others on t1 (6/6) and on 2 of 3 questions … counted per answer pair.
		expect(cy.agreement.items).toBe(4);
	});

	it('gives the export step per-item verdicts and the all-valid estimate', () => {
		const verdicts = itemVerdicts(quality.auditId, {}, db);
		const byItem = new Map(verdicts.map((v) => [v.itemId, v]));
		expect(verdicts).toHaveLength(8);
		expect(byItem.get(quality.items.t5)).toMatchObject({ adjudicated: true, basis: 'adjudicated', allValid: false, category: 'incorrect_output', tie: false, taskId: quality.tasks.t5 });
		expect(byItem.get(quality.items.t3)).toMatchObject({ allValid: null, tie: true, ties: ['instruction', 'allValid'] });
		expect(byItem.get(quality.items.t9)).toMatchObject({ allValid: false, basis: 'majority', instructionValid: true, inputValid: true, outputValid: true, category: null, ties: ['reason'] });
		expect(byItem.get(quality.items.t7)).toMatchObject({ allValid: null, tie: false, basis: 'none', labels: 0 });
		expect(byItem.get(quality.items.t6)).toMatchObject({ allValid: true, basis: 'single', isClassification: null });
		expect(verdicts.every((v) => typeof v.instanceId === 'number')).toBe(true);

	});

	it('lists disagreements with labels side by side, and adjudication changes the report', async () => {
		const page = await listDisagreements(quality.auditId, {}, db);
		expect(page.counts).toEqual({ all: 5, open: 3, adjudicated: 1, adjudicatedAgreeing: 0, stale: 0 });
		expect(page.entries.slice(0, 2).every((e) => e.open)).toBe(true);
		const t4 = page.entries.find((e) => e.itemId === quality.items.t4)!;
		expect(t4.instruction).toBe('Instruction for task t4: do the thing called t4.');
		expect(t4.input).toBe('input of t4');
		expect(t4.output).toBe('output of t4');
		expect(t4.labels.map((l) => [l.reviewerName, l.outputValid, l.errorReason])).toEqual([
			['Ana', false, 'incorrect_output'],
			['Ben', false, 'other'],
			['Cy', true, null]
		]);
		expect((await listDisagreements(quality.auditId, { filter: 'open' }, db)).entries.map((e) => e.itemId).sort()).toEqual([quality.items.t3, quality.items.t4, quality.items.t9].sort());

		// Settle t3 as correct: one tie fewer, 3 of 7 all valid.
		setAdjudication(quality.auditId, quality.items.t3, researcherId, { kind: 'quality', instructionValid: true, inputValid: true, outputValid: true, errorReason: 'other' }, db);
		const after = auditReport(quality.auditId, {}, db);
		expect(after.basis).toMatchObject({ adjudicated: 2, tied: 0 });
		expect(after.quality!.groups[0].rates.find((r) => r.key === 'allValid')!.majority).toMatchObject({ yes: 3, no: 4, n: 7, ties: 0, adjudicated: 2 });
		// The reviewers' own labels are untouched: agreement is unchanged.
		expect(after.quality!.agreement).toEqual(report.quality!.agreement);
		const stored = db.$client.prepare('SELECT error_reason AS reason, adjudicator_id AS by FROM audit_adjudications WHERE item_id = ?').get(quality.items.t3);
		expect(stored).toEqual({ reason: null, by: researcherId });
		expect(clearAdjudication(quality.auditId, quality.items.t3, db)).toBe(true);
		expect(auditReport(quality.auditId, {}, db)).toEqual(report);
	});

	it('reads some items alone: those items and what hangs on them, as the whole audit has them', () => {
		/** The whole input cut down to `ids`, as the restricted read must give it. */
		const cut = (input: ReportInput, ids: number[]): ReportInput => {
			const wanted = new Set(ids);
			return {
				...input,
				items: input.items.filter((i) => wanted.has(i.id)),
				labels: input.labels.filter((l) => wanted.has(l.itemId)),
				adjudications: input.adjudications.filter((a) => wanted.has(a.itemId)),
				gold: input.gold.filter((g) => wanted.has(g.itemId)),
				skips: input.skips.filter((k) => wanted.has(k.itemId))
			};
		};
		for (const [audit, ids] of [
			[quality, [quality.items.t4, quality.items.t5, quality.items.g8]],
			[rating, [rating.items.r1, rating.items.r3]]
		] as const) {
			const whole = loadReportInput(audit.auditId, db);
			const some = loadReportInput(audit.auditId, db, { itemIds: ids });
			expect(some).toEqual(cut(whole, [...ids]));
			// Not vacuous: the items carry labels (ratings too, for the rating audit), an adjudication or gold.
			expect(some.labels.length).toBeGreaterThan(0);
			expect(some.adjudications.length + some.gold.length).toBeGreaterThan(0);
			if (audit === rating) expect(some.labels.every((l) => l.ratings.length > 0) && some.items.every((i) => i.responses.length > 0)).toBe(true);
		}
		expect(loadReportInput(quality.auditId, db, { itemIds: [] })).toMatchObject({ items: [], labels: [] });
	});

	it("pages the disagreements, and gives one item's entry as the full list has it", async () => {
		const all = await listDisagreements(quality.auditId, { pageSize: 100 }, db);
		const ids = all.entries.map((e) => e.itemId);
		expect(ids.length).toBe(5);
		const second = await listDisagreements(quality.auditId, { pageSize: 2, page: 2 }, db);
		expect(second).toMatchObject({ total: 5, page: 2, pages: 3 });
		expect(second.entries).toEqual(all.entries.slice(2, 4));
		// A page past the end is the last page.
		expect(await listDisagreements(quality.auditId, { pageSize: 2, page: 9 }, db)).toMatchObject({ page: 3, entries: all.entries.slice(4) });
		for (const entry of all.entries) expect(disagreementEntry(quality.auditId, entry.itemId, db)).toEqual(entry);
		// An item nobody disputes has no entry.
		expect(disagreementEntry(quality.auditId, quality.items.t1, db)).toBeNull();
		const ratingAll = await listDisagreements(rating.auditId, {}, db);
		expect(ratingAll.entries.length).toBeGreaterThan(0);
		for (const entry of ratingAll.entries) expect(disagreementEntry(rating.auditId, entry.itemId, db)).toEqual(entry);
	});

	it('refuses adjudications that do not fit the item', () => {
		const bad = (fn: () => void, message: RegExp) => expect(fn).toThrow(message);
		bad(() => setAdjudication(quality.auditId, quality.items.g8, researcherId, { kind: 'quality', instructionValid: true, inputValid: true, outputValid: true, errorReason: null }, db), /Gold items/);
		bad(() => setAdjudication(quality.auditId, quality.items.t1, researcherId, { kind: 'quality', instructionValid: true, inputValid: false, outputValid: true, errorReason: null }, db), /what is wrong/);
		bad(() => setAdjudication(quality.auditId, quality.items.t1, researcherId, { kind: 'rating', ratings: [] }, db), /quality audit/);
		bad(() => setAdjudication(quality.auditId, rating.items.r1, researcherId, { kind: 'quality', instructionValid: true, inputValid: true, outputValid: true, errorReason: null }, db), /No such item/);
		bad(() => setAdjudication(rating.auditId, rating.items.r1, researcherId, { kind: 'rating', ratings: [{ responseId: rating.responses.r1.m1, rating: 'A' }] }, db), /missing: m2/);
		expect(() => auditReport(999_999, {}, db)).toThrow(ReportError);
	});

	it('writes the report and every label as CSV and JSON Lines', () => {
		const csv = reportCsv(report);
		const lines = csv.trimEnd().split('\r\n');
		expect(lines[0]).toBe('section,group,key,label,value,successes,n,lower,upper,reference,note');
		const h = rate('all', 'allValid').headline;
		expect(lines.find((l) => l.startsWith('rate,all,allValid,'))).toMatch(new RegExp(`^rate,all,allValid,All fields valid \\(All tasks\\),,,7,${h.lower},${h.upper},0\\.54,"headline: Item majority, ties as bounds — latent truth \\(Dawid–Skene\\) not shown: Only 4 items were labelled by three or more reviewers.* — between 28\\.6% and 42\\.9%"$`));
		expect(lines).toContain(`rate:majority,all,allValid:low,"All fields valid (All tasks), Item majority, ties as bounds (lower)",${2 / 7},2,7,${wilsonInterval(2, 7).lower},${wilsonInterval(2, 7).upper},,1 tied items counted as no; 1 adjudicated; Wilson`);

		const records = labelRecords(quality.auditId, db);
		expect(records).toHaveLength(19);
		const ana = records.find((r) => r.item_id === quality.items.t4 && r.reviewer_name === 'Ana')!;
		expect(ana).toMatchObject({ instruction_valid: true, input_valid: true, output_valid: false, error_reason: 'incorrect_output', duration_ms: 2000, active_ms: 1000, is_gold: false, revision: 1, comment: 'plan YYN:incorrect_output@2' });
		expect(ana.reviewer_email).toMatch(/^ana-.*@example\.org$/);
		expect(Date.parse(ana.submitted_at)).toBeGreaterThan(Date.parse('2024-03-01T09:00:00Z'));
		const jsonl = labelsJsonl(records).trimEnd().split('\n').map((l) => JSON.parse(l));
		expect(jsonl).toEqual(records);
		const labelCsv = [...labelsDownload(quality.auditId, 'csv', db)].join('').trimEnd().split('\r\n');
		expect(labelCsv).toHaveLength(20);
		expect(labelCsv[0]).toBe(
			'audit_id,item_id,item_ref,item_number,task_id,instance_id,is_gold,stratum,reviewer_id,reviewer_email,reviewer_name,instruction_valid,input_valid,output_valid,error_reason,comment,duration_ms,active_ms,submitted_at,updated_at,revision'
		);
	});
});

describe('response-rating report from a real audit', () => {
	let report: AuditReport;
	beforeAll(() => {
		report = auditReport(rating.auditId, {}, db);
	});

	it('gives A–D counts per model, the A-or-B share with its interval, and paired tests', () => {
		const [m1, m2] = report.rating!.models;
		expect(m1).toMatchObject({ model: 'm1', counts: { A: 3, B: 1, C: 1, D: 0 }, n: 5, disagreements: 0, unrated: 1, adjudicated: 1 });
		expect(m1.shares).toEqual({ A: 0.6, B: 0.2, C: 0.2, D: 0 });
		expect(m1.aOrB).toMatchObject({ successes: 4, trials: 5, proportion: 0.8 });
		expectInterval(m1.aOrB, '4/5');
		// m2's response on r1 (B and C) counts once, half B and half C: n = 5, none left out.
		expect(m2).toMatchObject({ model: 'm2', counts: { A: 1, B: 1.5, C: 1.5, D: 1 }, n: 5, disagreements: 1, unrated: 1, adjudicated: 1 });
		expect(m2.aOrB).toMatchObject({ successes: 2.5, trials: 5, proportion: 0.5 });
		const [c] = report.rating!.comparisons;
		// Mean scores m1 − m2 on r1–r5: +1.5, 0, +3, −2, +2.
		expect(c).toMatchObject({ first: 'm1', second: 'm2', tasks: 6, pairs: 5, notRatedByBoth: 1, firstBetter: 3, secondBetter: 1, same: 1, medianDifference: 1.5 });
		expect(c.wilcoxon).toMatchObject({ statistic: 7.5, n: 4, zeros: 1, method: 'normal' });
		expect(c.wilcoxon.pValue).toBeCloseTo(0.46145099, 6);
		expect(c.sign).toEqual({ n: 4, positive: 3, negative: 1, pValue: 0.625, holmPValue: 0.625 });
		expect(report.basis).toEqual({ overlap: 2, unlabelled: 1, single: 1, majority: 3, adjudicated: 1, tied: 1 });
		expect(report.progress).toMatchObject({ items: 6, labelledItems: 5, completeItems: 4, labels: 9, skips: 3, reviewers: 2 });
	});

	it('measures agreement with Cohen’s κ for two reviewers, and times per reviewer', () => {
		const [overall] = report.rating!.agreement!;
		expect(overall.percent).toEqual({ value: 0.75, items: 8, pairs: 8 });
		expect(overall.kappa).toMatchObject({ method: 'cohen', items: 8, reviewers: 2 });
		expect(overall.kappa.value).toBeCloseTo(31 / 47, 12);
		expect(overall.alpha).toMatchObject({ level: 'ordinal', n: 16, units: 8 });
		expect(report.reviewers.map((r) => [r.name, r.items, r.skips, r.medianSeconds, r.agreement.value])).toEqual([
			['Dee', 5, 1, 30, 0.75],
			['Eli', 4, 2, 45, 0.75]
		]);
		const verdicts = itemVerdicts(rating.auditId, {}, db);
		expect(verdicts.find((v) => v.itemId === rating.items.r1)!.ratingsByResponse).toEqual([
			{ responseId: rating.responses.r1.m1, model: 'm1', rating: 'A', tie: false, adjudicated: false, basis: 'majority' },
			{ responseId: rating.responses.r1.m2, model: 'm2', rating: null, tie: true, adjudicated: false, basis: 'majority' }
		]);
		const labels = [...labelsDownload(rating.auditId, 'csv', db)].join('').split('\r\n');
		expect(labels[0]).toContain('error_reason,rating:m1,rating:m2,comment');
	});

	it('lists the audits for the reports index and refuses to compare different kinds', () => {
		const list = listReportableAudits(db);
		expect(list.map((a) => [a.id, a.kind, a.labelledItems, a.adjudications])).toEqual([
			[rating.auditId, 'rating', 5, 1],
			[quality.auditId, 'quality', 7, 1]
		]);
		expect(() => compareAudits(quality.auditId, rating.auditId, {}, db)).toThrow(/Cannot compare a quality audit with a rating audit/);
	});
});

// Each case starts the CLI several times as a separate process: seconds each on a busy 2-core machine.
describe('cli report', { timeout: 180_000 }, () => {
	const cli = (...args: string[]) =>
		run(process.execPath, [CLI_ENTRY, 'report', ...args], {
			env: { ...process.env, DATABASE_PATH: file },
			maxBuffer: 16 * 1024 * 1024
		});

	it('prints exactly the numbers of the report page with --json', async () => {
		const { stdout } = await cli(String(quality.auditId), '--json');
		const printed = JSON.parse(stdout);
		expect(printed).toEqual(auditReport(quality.auditId, {}, db));
		const allValid = printed.quality.groups[0].rates[3];
		expect(allValid).toMatchObject({ key: 'allValid', yes: 2, no: 4, ties: 1, reference: 0.54 });
		expect(allValid.majority).toMatchObject({ n: 7, low: { successes: 2, trials: 7 }, high: { successes: 3, trials: 7 } });
		expect(allValid.label).toMatchObject({ yes: 9, labels: 17, n: 7 });
		expect(allValid.latent).toMatchObject({ status: 'ok', n: 7 });
		expect(allValid.headline).toMatchObject({ estimator: 'majority', n: 7, fallback: allValid.latent.reason });
		expect(printed.basis).toEqual({ overlap: 3, unlabelled: 1, single: 1, majority: 5, adjudicated: 1, tied: 1 });
		// --estimator picks another headline for this run only.
		const majority = JSON.parse((await cli(String(quality.auditId), '--json', '--estimator', 'majority')).stdout);
		expect(majority).toEqual(auditReport(quality.auditId, { estimator: 'majority' }, db));
		expect(majority.quality.groups[0].rates[3].headline).toMatchObject({ estimator: 'majority', requested: 'majority', low: 2 / 7, high: 3 / 7 });
		const bad = await cli(String(quality.auditId), '--estimator', 'mean').catch((e: { code: number; stderr: string }) => e);
		expect(bad).toMatchObject({ code: 2 });
		expect(printed.reviewers[0]).toMatchObject({ name: 'Ana', medianSeconds: 5.5 });

		const ratingOut = JSON.parse((await cli(String(rating.auditId), '--json')).stdout);
		expect(ratingOut).toEqual(auditReport(rating.auditId, {}, db));
		expect(ratingOut.rating.comparisons[0].wilcoxon.pValue).toBeCloseTo(0.46145099, 6);
		expect(ratingOut.rating.models[1]).toMatchObject({ n: 5, counts: { B: 1.5, C: 1.5 } });
	});

	it('prints a readable report, CSV, labels, a comparison, and refuses unknown audits', async () => {
		const text = (await cli('Quality audit A')).stdout;
		expect(text).toContain('Data-quality report of "Quality audit A"');
		expect(text).toMatch(/All fields valid\s+\S+% \[\S+%, \S+%\]\s+7\s+28\.6%–42\.9% \(2–3\/7; 1 tie\)\s+52\.9% \[\S+%, \S+%\] \(9\/17 labels\)/);
		expect(text).toContain('Headline: Item majority, ties as bounds — latent truth (Dawid–Skene) not shown: Only 4 items were labelled by three or more reviewers');
		expect(text).toContain('All fields valid, latent truth (not identified): Only 4 items');
		// The latent column's figure comes from that fit: the table says so beside it.
		expect(text).toMatch(/\(n = \d+; not identified\)/);
		expect(text).toMatch(/Correct\s+2\s+28\.6%.*113\/200 \(56\.5%\)/);
		expect(text).toContain("Fleiss' ");
		expect(text).toContain("1 item uses a researcher's adjudicated label");

		const csv = (await cli(String(quality.auditId), '--csv')).stdout;
		expect(csv).toBe(reportCsv(auditReport(quality.auditId, {}, db)));
		const labels = (await cli(String(quality.auditId), '--labels', 'jsonl')).stdout;
		expect(labels).toBe(labelsJsonl(labelRecords(quality.auditId, db)));

		const same = await cli(String(quality.auditId), '--compare', String(quality.auditId)).catch((e: { code: number; stderr: string }) => e);
		expect(same).toMatchObject({ code: 1 });
		expect((same as { stderr: string }).stderr).toContain('two different audits');
		const missing = await cli('no such audit').catch((e: { code: number; stderr: string }) => e);
		expect(missing).toMatchObject({ code: 1 });
		expect((missing as { stderr: string }).stderr).toContain('No audit "no such audit"');
	});
});
