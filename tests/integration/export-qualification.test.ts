import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { countExport, startExport, type ExportRequest } from '../../src/lib/server/exports/export';
import { parseWhere } from '../../src/lib/server/exports/filters';
import { countShapeExport } from '../../src/lib/server/exports/shapes';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { importFile } from '../../src/lib/server/datasets/import';
import { streamOf } from '../support/db';
import { comparisonRows, sharegptRows } from './shape-fixtures';
import { responseOrder } from '../../src/lib/audits/order';
import { loadReportInput } from '../../src/lib/server/reports/load';
import { buildAuditReport } from '../../src/lib/reports';
import { itemVerdicts } from '../../src/lib/server/reports/reports';
import { shapeSections, withShapeVerdicts } from '../../src/lib/server/reports/shapes';
import { parseGold } from '../../src/lib/audits/gold';
import type { Answer } from '../../src/lib/audits/answers';
import type { RatingLevel } from '../../src/lib/audits/rubric';
import { addPredictions, makeDataset, makeUsers, submissionId } from './audit-fixtures';

// The export's human-label filters and its manifest count the labels the audit report counts: a
// reviewer who failed an audit's qualification step (or has not finished it) does not count there,
// and each reviewer counts once per response, with their latest rating.

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const T0 = Date.UTC(2026, 0, 1);
const TASKS = 8;

function exported(request: ExportRequest) {
	const stream = startExport(request, db);
	const text = new TextDecoder().decode(Buffer.concat([...stream.chunks()]));
	return { rows: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { output: string }), manifest: stream.manifest() };
}

/** The task number (makeDataset's `task_<n>`) of an audit item. */
function taskNumber(ref: string): number {
	const row = db.$client
		.prepare<[string], { instruction: string }>('SELECT t.instruction FROM audit_items it JOIN tasks t ON t.id = it.task_id WHERE it.ref = ?')
		.get(ref)!;
	return Number(/Instruction number (\d+)/.exec(row.instruction)![1]);
}

function isGold(ref: string): boolean {
	return db.$client.prepare<[string], number>('SELECT is_gold FROM audit_items WHERE ref = ?').pluck().get(ref) === 1;
}

/** Works through the audit as the reviewer through routing, answering each item with `answer(task, gold)` at times from `at`. */
function review(auditId: number, reviewerId: number, answer: (task: number, gold: boolean) => Answer, at: number): number {
	let n = 0;
	for (let next = nextAssignment(auditId, reviewerId, { now: at + n }, db); next.status === 'assigned'; next = nextAssignment(auditId, reviewerId, { now: at + n }, db)) {
		n++;
		const outcome = submitLabel(auditId, reviewerId, { ref: next.ref, submissionId: submissionId(), answer: answer(taskNumber(next.ref), isGold(next.ref)) }, { now: at + n }, db);
		expect(outcome.outcome).toBe('created');
	}
	return n;
}

/**
 * Labels on every sampled item of the audit by a reviewer routing no longer serves (they failed
 * the qualification step), as an audit bundle brings such labels in: stored as they were given.
 */
function storeLabels(auditId: number, reviewerId: number, answer: { quality?: [boolean, boolean, boolean]; rating?: RatingLevel }, at: number): void {
	const items = db.$client.prepare<[number], { id: number }>('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY id').all(auditId);
	for (const [k, item] of items.entries()) {
		const q = answer.quality?.map(Number) ?? [null, null, null];
		const labelId = Number(
			db.$client
				.prepare(
					`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, submitted_at, updated_at)
					 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
				)
				.run(auditId, item.id, reviewerId, q[0], q[1], q[2], at + k, at + k).lastInsertRowid
		);
		if (answer.rating) {
			db.$client
				.prepare(
					`INSERT INTO audit_label_ratings (label_id, audit_id, item_id, response_id, model, rating)
					 SELECT ?, ?, ?, x.response_id, r.model, ? FROM audit_item_responses x JOIN responses r ON r.id = x.response_id WHERE x.item_id = ?`
				)
				.run(labelId, auditId, item.id, answer.rating, item.id);
		}
	}
}

const quality = (output: boolean): Answer => ({ kind: 'quality', instruction: true, input: true, output, reason: output ? null : 'incorrect_output', comment: '' });
const rating = (level: RatingLevel): Answer => ({ kind: 'rating', ratings: [level], comment: '' });

describe('rating filters count the labels the report counts', () => {
	/**
	 * Model m1's responses to tasks 0–5 (task 6 is the gold item, never sampled) rated by r1 (B on all) and r2 (B on tasks 0–2, C on 3–5),
	 * after both rated the gold response A; r3 rated it D, failed the qualification step, and
	 * rated every sampled response A.
	 */
	async function ratedWithQualification() {
		const datasetId = await makeDataset(db, 'preds', 7);
		await addPredictions(db, 'preds', 7, 'm1');
		const goldTask = db.$client.prepare<[number], number>("SELECT id FROM tasks WHERE dataset_id = ? AND instruction LIKE 'Instruction number 6:%'").pluck().get(datasetId)!;
		const gold = parseGold(`{"task": ${goldTask}, "ratings": {"m1": "A"}}`, 'rating');
		const [r1, r2, r3] = makeUsers(db, 3);
		const audit = createAudit(
			{ datasetId, kind: 'rating', models: ['m1'], sampleSize: 6, seed: 4, overlap: 3, reviewerIds: [r1.id, r2.id, r3.id], gold, goldRate: 0.1, qualificationItems: 1, qualificationAccuracy: 1 },
			db
		);
		review(audit.id, r1.id, (_, g) => rating(g ? 'A' : 'B'), T0);
		review(audit.id, r2.id, (task, g) => rating(g ? 'A' : task < 3 ? 'B' : 'C'), T0 + 100);
		expect(review(audit.id, r3.id, () => rating('D'), T0 + 200)).toBe(1);
		storeLabels(audit.id, r3.id, { rating: 'A' }, T0 + 300);
		return { datasetId, audit, r1, r2, r3 };
	}

	it('a reviewer who failed qualification: rating=B exports what the report counts, and the manifest says the same', async () => {
		const { datasetId, audit, r3 } = await ratedWithQualification();
		const report = buildAuditReport(loadReportInput(audit.id, db));
		expect(report.qualification!.reviewers.find((r) => r.reviewerId === r3.id)).toMatchObject({ state: 'failed', excludedLabels: 6 });
		const m1 = report.rating!.models.find((m) => m.model === 'm1')!;
		// Tasks 0–2: B, B (wholly B or better); 3–5: B, C (half) — r3's A on every one does not count.
		expect(m1.aOrB.proportion).toBeCloseTo(4.5 / 6, 12);

		const request = { datasetId, filters: parseWhere(['rating=B', `audit=${audit.id}`]), format: 'jsonl' as const, responsesOf: 'm1' };
		expect(countExport(request, db)).toMatchObject({ rows: 3, responses: 3 });
		const { rows, manifest } = exported(request);
		expect(rows.map((r) => r.output).sort()).toEqual(['m1 answers task 0', 'm1 answers task 1', 'm1 answers task 2']);
		expect(manifest.quality!.population).toMatchObject({ rate: m1.aOrB.proportion, successes: m1.aOrB.successes, trials: m1.n });
		expect(manifest.quality!.exported).toMatchObject({ rows: 3, labelledCorrect: 3, labelledIncorrect: 0, tied: 0 });
		// The other side of the line: tasks 3–5 tie across it (B, C), so not-rejected keeps them, and task 6 (unaudited).
		expect(countExport({ ...request, filters: parseWhere(['not-rejected', `audit=${audit.id}`]) }, db).rows).toBe(7);
		// agreed: tasks 0–2, where the two who count agree (r3's A would make every one a disagreement), and unaudited task 6.
		expect(countExport({ ...request, filters: parseWhere(['agreed', `audit=${audit.id}`]) }, db).rows).toBe(4);
	});

	it('each reviewer counts once per response, with their latest rating, as the manifest\'s estimate counts them', async () => {
		const { datasetId, audit, r1 } = await ratedWithQualification();
		// A later audit of the same responses (and task 6's): r1 now rates every one D.
		const later = createAudit({ datasetId, kind: 'rating', models: ['m1'], sampleSize: 7, seed: 4, overlap: 1, reviewerIds: [r1.id] }, db);
		expect(review(later.id, r1.id, () => rating('D'), T0 + 10_000)).toBe(7);

		const request = { datasetId, filters: parseWhere(['rating=B']), format: 'jsonl' as const, responsesOf: 'm1' };
		// r1's latest is D: tasks 0–2 are D, B (a tie across the line), 3–5 D, C, 6 D — none is B or better.
		expect(countExport(request, db).rows).toBe(0);
		const { rows, manifest } = exported(request);
		expect(rows).toEqual([]);
		expect(manifest.quality!.population).toMatchObject({ successes: 1.5, trials: 7 });
		expect(manifest.quality!.exported).toMatchObject({ rows: 0, labelledCorrect: 0 });
		// Not rejected: 3–6 are rated below B by all who count; 0–2 tie and stay.
		expect(exported({ ...request, filters: parseWhere(['not-rejected']) }).rows.map((r) => r.output).sort()).toEqual(['m1 answers task 0', 'm1 answers task 1', 'm1 answers task 2']);
		// The first audit alone still counts r1's B there.
		expect(countExport({ ...request, filters: parseWhere(['rating=B', `audit=${audit.id}`]) }, db).rows).toBe(3);
	});
});

describe('quality filters count the labels the report counts', () => {
	/**
	 * A verdict-stratified quality audit (4 of 6 kept rows, 1 of 2 rejected ones): r1 says all
	 * fields valid on every sampled item, r2 on tasks 0–1 only (the output wrong elsewhere), after
	 * both answered the gold item right; r3 answered it wrong, failed, and said all valid everywhere.
	 */
	async function labelledWithQualification() {
		const datasetId = await makeDataset(db, 'seeds', TASKS + 1);
		const now = Date.now();
		db.$client.prepare("INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, '{}', '{}', ?)").run(datasetId, now - 60_000);
		const task = (n: number) => db.$client.prepare<[number, string], number>('SELECT id FROM tasks WHERE dataset_id = ? AND instruction LIKE ?').pluck().get(datasetId, `Instruction number ${n}:%`)!;
		for (let n = 0; n < TASKS; n++) {
			const status = n >= 6 ? 'rejected' : 'kept';
			db.$client.prepare('UPDATE tasks SET filter_status = ?, filter_rule = ? WHERE id = ?').run(status, n >= 6 ? 'rougeL' : null, task(n));
		}
		const goldInstance = db.$client.prepare<[number], number>('SELECT id FROM instances WHERE task_id = ?').pluck().get(task(TASKS))!;
		const gold = parseGold(`{"instance": ${goldInstance}, "instruction": "yes", "input": "yes", "output": "yes"}`, 'quality');
		const [r1, r2, r3] = makeUsers(db, 3);
		const audit = createAudit(
			{
				datasetId,
				kind: 'quality',
				stratify: 'verdict',
				strataSizes: { kept: 4, rougeL: 1 },
				seed: 5,
				overlap: 3,
				reviewerIds: [r1.id, r2.id, r3.id],
				gold,
				goldRate: 0.1,
				qualificationItems: 1,
				qualificationAccuracy: 1
			},
			db
		);
		review(audit.id, r1.id, () => quality(true), T0);
		review(audit.id, r2.id, (n, g) => quality(g || n < 2), T0 + 100);
		expect(review(audit.id, r3.id, () => quality(false), T0 + 200)).toBe(1);
		storeLabels(audit.id, r3.id, { quality: [true, true, true] }, T0 + 300);
		const sampled = db.$client
			.prepare<[number], { n: number; stratum: string }>('SELECT t.instruction AS n, it.stratum FROM audit_items it JOIN tasks t ON t.id = it.task_id WHERE it.audit_id = ? AND it.is_gold = 0')
			.all(audit.id)
			.map((r) => ({ n: Number(/number (\d+)/.exec(String(r.n))![1]), stratum: r.stratum }));
		return { datasetId, audit, r3, sampled };
	}

	it('a reviewer who failed qualification: all-yes exports what the report counts, and the stratum-weighted estimate is the report\'s headline', async () => {
		const { datasetId, audit, r3, sampled } = await labelledWithQualification();
		const agreed = sampled.filter((s) => s.n < 2).length;
		expect(agreed).toBeGreaterThan(0);
		expect(sampled.length - agreed).toBeGreaterThan(0);
		const report = buildAuditReport(loadReportInput(audit.id, db));
		expect(report.qualification!.reviewers.find((r) => r.reviewerId === r3.id)).toMatchObject({ state: 'failed', excludedLabels: 5 });
		const allValid = report.quality!.groups.find((g) => g.key === 'all')!.rates.find((r) => r.key === 'allValid')!;
		// Tasks 0–1: all valid (r1, r2); the others tie (r1 yes, r2 no) — r3's yes would settle them.
		expect(allValid).toMatchObject({ yes: agreed, no: 0, ties: sampled.length - agreed });

		const request = { datasetId, filters: parseWhere(['all-yes', `audit=${audit.id}`]), format: 'jsonl' as const };
		expect(countExport(request, db).rows).toBe(agreed);
		const { rows, manifest } = exported(request);
		expect(rows.map((r) => r.output).sort()).toEqual(sampled.filter((s) => s.n < 2).map((s) => `output ${s.n}.0`).sort());
		const population = manifest.quality!.population;
		expect(population).toMatchObject({ successes: agreed, ties: sampled.length - agreed, estimatorName: 'Item majority, ties as bounds, weighted by verdict stratum' });
		const weighted = allValid.weighted!;
		expect(weighted).toBeTruthy();
		for (const k of ['low', 'high', 'lower', 'upper'] as const) expect(population[k]).toBeCloseTo(weighted[k], 12);
		expect(manifest.quality!.exported).toMatchObject({ rows: agreed, labelledCorrect: agreed });
		// agreed: the tied items are a disagreement between the two who count.
		expect(countExport({ ...request, filters: parseWhere(['agreed', 'audited', `audit=${audit.id}`]) }, db).rows).toBe(agreed);
	});
});

describe('conversation filters count the labels the report counts', () => {
	it('a reviewer who failed qualification does not tie a conversation the one who passed judged valid', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, db);
		const [gold, sampled] = db.$client.prepare('SELECT id FROM conversations WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
		const [right, wrong] = makeUsers(db, 2);
		const audit = createAudit(
			{
				datasetId,
				kind: 'conversation',
				conversationUnit: 'conversation',
				reviewerIds: [right.id, wrong.id],
				overlap: 2,
				seed: 5,
				gold: parseGold(`{"conversation": ${gold}, "valid": "no"}`, 'conversation'),
				goldRate: 0.5,
				qualificationItems: 1,
				qualificationAccuracy: 1
			},
			db
		);
		// The gold conversation is invalid: the one who passes says so, and then judges the other valid.
		const judge = (reviewerId: number, valid: (isGold: boolean) => boolean) => {
			let n = 0;
			for (let next = nextAssignment(audit.id, reviewerId, {}, db); next.status === 'assigned'; next = nextAssignment(audit.id, reviewerId, {}, db), n++) {
				const rows = reviewItemView(audit.id, reviewerId, next.ref, db).turns.filter((t) => t.row !== null);
				const v = valid(isGold(next.ref));
				const turns = rows.map(() => ({ valid: v, rating: v ? ('A' as const) : ('D' as const) }));
				submitLabel(audit.id, reviewerId, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns, comment: '' } }, {}, db);
			}
			return n;
		};
		expect(judge(right.id, (g) => !g)).toBe(2);
		expect(judge(wrong.id, () => true)).toBe(1);
		storeLabels(audit.id, wrong.id, { quality: [true, true, false] }, T0);
		expect(db.$client.prepare('SELECT conversation_id FROM audit_items WHERE audit_id = ? AND is_gold = 0').pluck().all(audit.id)).toEqual([sampled]);

		const count = (where: string[]) => countShapeExport({ datasetId, format: 'sharegpt', filters: parseWhere(where) }, db).counts.records;
		// Only the one who passed counts: the sampled conversation is valid, and nobody disagrees on it.
		expect(count(['all-yes'])).toBe(1);
		expect(count(['agreed', 'audited'])).toBe(1);
		expect(count(['not-rejected'])).toBe(2);
	});
});

describe('pairwise verdicts count the labels the report counts', () => {
	it('each reviewer counts once per pair, with their latest choice, when two audits sampled it', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'cmp.json' }, db);
		const [r] = makeUsers(db, 1);
		const first = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [r.id], overlap: 1, seed: 1 }, db);
		const second = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [r.id], overlap: 1, seed: 2 }, db);
		// The same reviewer chose a on every pair in the first audit, then b on every pair in the second.
		const label = db.$client.prepare('INSERT INTO audit_labels (audit_id, item_id, reviewer_id, preference, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
		for (const [audit, preference, at] of [[first.id, 'a', T0], [second.id, 'b', T0 + 1000]] as const) {
			for (const item of db.$client.prepare('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0').pluck().all(audit) as number[]) label.run(audit, item, r.id, preference, at, at);
		}
		const counts = countShapeExport({ datasetId, format: 'preference-pairs' }, db).counts;
		// Counted twice, a and b tied on every pair ('disagreed', left out); counted once, the later b decides.
		expect(counts).toMatchObject({ reviewersVerdicts: comparisonRows.length, disagreedLeftOut: 0 });
	});

	it('a reviewer who failed qualification does not turn the verdict of the one who passed into a disagreement', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'cmp.json' }, db);
		const [gold, sampled] = db.$client.prepare('SELECT id FROM preference_pairs WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
		const [right, wrong] = makeUsers(db, 2);
		const audit = createAudit(
			{ datasetId, kind: 'pairwise', reviewerIds: [right.id, wrong.id], overlap: 1, seed: 6, gold: parseGold(`{"pair": ${gold}, "preference": "a"}`, 'pairwise'), qualificationItems: 1, qualificationAccuracy: 1 },
			db
		);
		// Each picks the pair's response `side` on every item they are given (whatever side of the screen shows it).
		const judge = (reviewerId: number, side: (isGold: boolean) => 'a' | 'b') => {
			let n = 0;
			for (let next = nextAssignment(audit.id, reviewerId, {}, db); next.status === 'assigned'; next = nextAssignment(audit.id, reviewerId, {}, db), n++) {
				const itemId = db.$client.prepare<[string], number>('SELECT id FROM audit_items WHERE ref = ?').pluck().get(next.ref)!;
				const order = responseOrder(2, reviewerId, itemId, true);
				const choice = (order[0] === 0) === (side(isGold(next.ref)) === 'a') ? 'A' : 'B';
				submitLabel(audit.id, reviewerId, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
			}
			return n;
		};
		expect(judge(right.id, () => 'a')).toBe(2);
		expect(judge(wrong.id, () => 'b')).toBe(1);
		// The one who failed prefers b on the sampled pair too (a label brought in with an audit bundle).
		const item = db.$client.prepare<[number], number>('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0').pluck().get(audit.id)!;
		expect(db.$client.prepare('SELECT pair_id FROM audit_items WHERE id = ?').pluck().get(item)).toBe(sampled);
		db.$client
			.prepare("INSERT INTO audit_labels (audit_id, item_id, reviewer_id, preference, submitted_at, updated_at) VALUES (?, ?, ?, 'b', ?, ?)")
			.run(audit.id, item, wrong.id, T0, T0);
		expect(buildAuditReport(loadReportInput(audit.id, db)).qualification!.reviewers.find((r) => r.reviewerId === wrong.id)).toMatchObject({ state: 'failed', excludedLabels: 1 });

		const counts = countShapeExport({ datasetId, format: 'preference-pairs' }, db).counts;
		expect(counts).toMatchObject({ reviewersVerdicts: 1, disagreedLeftOut: 0 });
		expect(countShapeExport({ datasetId, format: 'preference-pairs', filters: parseWhere(['audited']) }, db).counts.records).toBe(1);

		// The report's own pairwise section and items download count the same labels: one preference, for a, no split.
		const verdict = withShapeVerdicts(audit.id, 'pairwise', itemVerdicts(audit.id, {}, db), db).find((v) => v.itemId === item)!;
		expect(verdict).toMatchObject({ labels: 1, tie: false });
		const sections = shapeSections(audit.id, 'pairwise', 0.95, db);
		const pairwise = sections && 'pairwise' in sections ? sections.pairwise : null;
		expect(pairwise?.comparisons).toBe(1);
		expect(pairwise?.agreement.items).toBe(0);
	});
});
