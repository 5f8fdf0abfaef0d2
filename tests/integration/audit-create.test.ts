import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit, previewSample } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView, reviewHistory } from '../../src/lib/server/audits/review';
import { addGold, auditProgress, listAuditItems, listAudits, updateGuidelines } from '../../src/lib/server/audits/audits';
import { reviewAuditInfo } from '../../src/lib/server/audits/review';
import { AuditError } from '../../src/lib/server/audits/errors';
import { parseGold } from '../../src/lib/audits/gold';
import { rejectedExcludedSentence, singleStratumNote } from '../../src/lib/audits/sampling';
import { addPredictions, ALL_YES, BAD_OUTPUT, makeDataset, makeUser, makeUsers, submissionId } from './audit-fixtures';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

function items(auditId: number) {
	return db.$client
		.prepare('SELECT task_id AS taskId, instance_id AS instanceId, stratum, is_gold AS isGold, position FROM audit_items WHERE audit_id = ? ORDER BY position')
		.all(auditId) as { taskId: number; instanceId: number; stratum: string | null; isGold: number; position: number }[];
}

function errorOf(fn: () => unknown): AuditError {
	try {
		fn();
	} catch (err) {
		expect(err).toBeInstanceOf(AuditError);
		return err as AuditError;
	}
	throw new Error('expected an AuditError');
}

describe('createAudit (quality)', () => {
	it('draws a reproducible sample: one instance per sampled instruction by default', async () => {
		const datasetId = await makeDataset(db, 'many', 60, 3);
		const [r] = makeUsers(db, 1);
		const base = { datasetId, kind: 'quality' as const, sampleSize: 20, seed: 11, reviewerIds: [r.id] };
		const a = createAudit(base, db);
		const b = createAudit(base, db);
		const c = createAudit({ ...base, seed: 12 }, db);
		expect(a).toMatchObject({ sampleSize: 20, seed: 11, overlap: 1, blind: true, instanceMode: 'one', itemCount: 20, status: 'open', leaseSeconds: 1800 });
		const ia = items(a.id);
		expect(ia).toHaveLength(20);
		expect(new Set(ia.map((i) => i.taskId)).size).toBe(20);
		expect(items(b.id).map(({ taskId, instanceId }) => [taskId, instanceId])).toEqual(ia.map(({ taskId, instanceId }) => [taskId, instanceId]));
		expect(items(c.id).map((i) => i.taskId)).not.toEqual(ia.map((i) => i.taskId));
		// Each instance belongs to its task.
		for (const i of ia) {
			expect(db.$client.prepare('SELECT task_id AS t FROM instances WHERE id = ?').get(i.instanceId)).toEqual({ t: i.taskId });
		}
		// Refs are opaque and unique.
		const refs = db.$client.prepare('SELECT ref FROM audit_items').all() as { ref: string }[];
		expect(new Set(refs.map((x) => x.ref)).size).toBe(refs.length);
		expect(refs[0].ref).toMatch(/^[A-Za-z0-9_-]{12}$/);
	});

	it('can take every instance, and stratifies by classification', async () => {
		const datasetId = await makeDataset(db, 'strata', 30, 2);
		const [r] = makeUsers(db, 1);
		const all = createAudit({ datasetId, kind: 'quality', sampleSize: 5, seed: 1, instanceMode: 'all', reviewerIds: [r.id] }, db);
		expect(items(all.id)).toHaveLength(10);
		// makeDataset: every third task is classification → 10 of 30; a sample of 9 gives 3 + 6.
		const strat = createAudit({ datasetId, kind: 'quality', sampleSize: 9, seed: 1, stratify: 'classification', reviewerIds: [r.id] }, db);
		const rows = items(strat.id);
		expect(rows.filter((i) => i.stratum === 'classification')).toHaveLength(3);
		expect(rows.filter((i) => i.stratum === 'non-classification')).toHaveLength(6);
		expect(previewSample(datasetId, { kind: 'quality' }, db)).toMatchObject({
			instructions: 30,
			units: 60,
			strata: { classification: 10, 'non-classification': 20, unknown: 0 }
		});
	});

	it('says when stratifying by classification stratified nothing (every classification unknown)', async () => {
		const datasetId = await makeDataset(db, 'unknown strata', 12, 1);
		const [r] = makeUsers(db, 1);
		db.$client.prepare('UPDATE tasks SET is_classification = NULL WHERE dataset_id = ?').run(datasetId);
		const strat = createAudit({ datasetId, kind: 'quality', sampleSize: 6, seed: 1, stratify: 'classification', reviewerIds: [r.id] }, db);
		expect(strat.samplingFrame).toMatchObject({ classificationStrata: ['unknown'] });
		expect(new Set(items(strat.id).map((i) => i.stratum))).toEqual(new Set(['unknown']));
		expect(singleStratumNote(strat.stratify, strat.samplingFrame)).toBe(
			'Stratified by classification, but no instruction says whether it is a classification task: every item is in the one stratum "unknown", so the sample is a simple random sample.'
		);
		// Two strata: stratified, nothing to say.
		db.$client.prepare("UPDATE tasks SET is_classification = 1 WHERE dataset_id = ? AND source_id = 'task_0'").run(datasetId);
		const mixed = createAudit({ datasetId, kind: 'quality', sampleSize: 6, seed: 1, stratify: 'classification', reviewerIds: [r.id] }, db);
		expect(mixed.samplingFrame).toMatchObject({ classificationStrata: ['classification', 'unknown'] });
		expect(singleStratumNote(mixed.stratify, mixed.samplingFrame)).toBeNull();
		// Not stratified: no strata recorded.
		expect(createAudit({ datasetId, kind: 'quality', sampleSize: 6, seed: 1, reviewerIds: [r.id] }, db).samplingFrame).not.toHaveProperty('classificationStrata');
	});

	it('leaves out what the automatic filters rejected unless asked', async () => {
		const datasetId = await makeDataset(db, 'filtered', 10, 2);
		const [r] = makeUsers(db, 1);
		db.$client.prepare("UPDATE tasks SET filter_status = 'rejected' WHERE source_id IN ('task_0', 'task_1', 'task_2')").run();
		db.$client.prepare("UPDATE tasks SET filter_status = 'kept' WHERE filter_status IS NULL").run();
		// Task 3 keeps one instance only.
		db.$client
			.prepare("UPDATE instances SET filter_status = 'rejected' WHERE id = (SELECT min(i.id) FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.source_id = 'task_3')")
			.run();
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 100, seed: 1, instanceMode: 'all', reviewerIds: [r.id] }, db);
		const rows = items(audit.id);
		expect(rows).toHaveLength(7 * 2 - 1);
		const rejected = db.$client.prepare("SELECT id FROM instances WHERE filter_status = 'rejected' OR task_id IN (SELECT id FROM tasks WHERE filter_status = 'rejected')").all() as { id: number }[];
		for (const { id } of rejected) expect(rows.map((i) => i.instanceId)).not.toContain(id);
		// Asked for 100, drew 7: the note says the 3 rejected instructions were left out, not only "7 to draw from".
		expect(audit.samplingFrame).toMatchObject({ units: 7, rejectedExcluded: 3 });
		expect(rejectedExcludedSentence('quality', audit.samplingFrame, '--include-rejected')).toBe('3 instructions the filters rejected were left out; --include-rejected draws them too');
		const everything = createAudit({ datasetId, kind: 'quality', sampleSize: 100, seed: 1, instanceMode: 'all', includeRejected: true, reviewerIds: [r.id] }, db);
		expect(items(everything.id)).toHaveLength(20);
		expect(everything.samplingFrame).not.toHaveProperty('rejectedExcluded');
		// A sample the frame can fill needs no such note.
		expect(createAudit({ datasetId, kind: 'quality', sampleSize: 5, seed: 1, reviewerIds: [r.id] }, db).samplingFrame).not.toHaveProperty('rejectedExcluded');
	});

	it('refuses bad settings with the field to fix', async () => {
		const datasetId = await makeDataset(db, 'small', 5);
		const [r1, r2] = makeUsers(db, 2);
		const disabled = makeUser(db);
		db.$client.prepare('UPDATE users SET disabled_at = 1 WHERE id = ?').run(disabled.id);
		const ok = { datasetId, kind: 'quality' as const, reviewerIds: [r1.id] };
		expect(errorOf(() => createAudit({ ...ok, overlap: 2 }, db))).toMatchObject({ field: 'reviewers' });
		expect(errorOf(() => createAudit({ ...ok, overlap: 0, reviewerIds: [r1.id, r2.id] }, db))).toMatchObject({ field: 'overlap' });
		expect(errorOf(() => createAudit({ ...ok, sampleSize: 0 }, db))).toMatchObject({ field: 'sampleSize' });
		expect(errorOf(() => createAudit({ ...ok, datasetId: 999 }, db))).toMatchObject({ field: 'dataset' });
		expect(errorOf(() => createAudit({ ...ok, reviewerIds: [disabled.id] }, db))).toMatchObject({ field: 'reviewers' });
		expect(errorOf(() => createAudit({ ...ok, reviewerIds: [424242] }, db))).toMatchObject({ field: 'reviewers' });
		expect(errorOf(() => createAudit({ ...ok, kind: 'rating' }, db))).toMatchObject({ field: 'models' });
		expect(errorOf(() => createAudit({ ...ok, name: 'Pilot\n## injected heading' }, db))).toMatchObject({ field: 'name', message: expect.stringContaining('no line breaks') });
		// The CLI takes an audit by id or name: "1" would be mistaken for audit 1.
		expect(errorOf(() => createAudit({ ...ok, name: ' 12 ' }, db))).toMatchObject({ field: 'name', message: expect.stringContaining('cannot be only digits') });
		expect(errorOf(() => createAudit({ ...ok, goldRate: 0.9, gold: parseGold('{"instance":1,"instruction":"yes","input":"yes","output":"yes"}', 'quality') }, db))).toMatchObject({ field: 'goldRate' });
		expect(errorOf(() => createAudit({ ...ok, gold: parseGold('{"instance":99999,"instruction":"yes","input":"yes","output":"yes"}', 'quality') }, db))).toMatchObject({ field: 'gold' });
		expect(listAudits({}, db)).toEqual([]);
	});

	it('renders guidelines safely for reviewers', async () => {
		const datasetId = await makeDataset(db, 'g', 3);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'quality', reviewerIds: [r.id], guidelines: '# Be strict\n\n<script>alert(1)</script>' }, db);
		const info = reviewAuditInfo(audit.id, r.id, db);
		expect(info.guidelinesHtml).toContain('<h3>Be strict</h3>');
		expect(info.guidelinesHtml).not.toContain('<script>');
		updateGuidelines(audit.id, '**New**', null, db);
		expect(reviewAuditInfo(audit.id, r.id, db).guidelinesHtml).toContain('<strong>New</strong>');
	});
});

describe('gold items', () => {
	it('mixes gold into each reviewer\'s stream at the rate, outside k and outside progress, and scores it', async () => {
		const datasetId = await makeDataset(db, 'gold', 40);
		const [a, b] = makeUsers(db, 2);
		const instanceIds = (db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id LIMIT 4').all(datasetId) as { id: number }[]).map((r) => r.id);
		const gold = parseGold(
			[
				`{"instance": ${instanceIds[0]}, "instruction": "yes", "input": "yes", "output": "yes"}`,
				`{"instance": ${instanceIds[1]}, "instruction": "yes", "input": "yes", "output": "no"}`
			].join('\n'),
			'quality'
		);
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 20, seed: 3, overlap: 1, reviewerIds: [a.id, b.id], gold, goldRate: 0.25 }, db);
		expect(audit).toMatchObject({ itemCount: 20, goldCount: 2, goldRate: 0.25 });
		const goldRefs = new Set((db.$client.prepare('SELECT ref FROM audit_items WHERE audit_id = ? AND is_gold = 1').all(audit.id) as { ref: string }[]).map((r) => r.ref));

		const seen: Record<number, string[]> = { [a.id]: [], [b.id]: [] };
		for (let round = 0; round < 30; round++) {
			for (const r of [a, b]) {
				const next = nextAssignment(audit.id, r.id, {}, db);
				if (next.status !== 'assigned') continue;
				seen[r.id].push(next.ref);
				// A always answers "all yes"; B answers the second gold item right.
				const answer = r.id === b.id && goldRefs.has(next.ref) ? BAD_OUTPUT : ALL_YES;
				submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer }, {}, db);
			}
		}
		// Both reviewers got both gold items (gold is outside k), the 20 sampled items were split.
		for (const r of [a, b]) expect(seen[r.id].filter((ref) => goldRefs.has(ref))).toHaveLength(2);
		expect(seen[a.id].length + seen[b.id].length).toBe(24);
		const progress = auditProgress(audit.id, {}, db);
		expect(progress).toMatchObject({ items: 20, labels: 20, completeItems: 20 });
		const score = Object.fromEntries(progress.reviewers.map((r) => [r.userId, [r.goldAnswered, r.goldCorrect]]));
		expect(score[a.id]).toEqual([2, 1]);
		expect(score[b.id]).toEqual([2, 1]);
		expect(listAuditItems(audit.id, { gold: true }, db).rows).toHaveLength(2);
		expect(listAuditItems(audit.id, {}, db)).toMatchObject({ total: 20 });
	});

	it('adds gold to an existing audit, refusing duplicates and instances of the sample', async () => {
		const datasetId = await makeDataset(db, 'gold2', 5);
		const [a] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 3, seed: 1, reviewerIds: [a.id] }, db);
		const sampled = new Set((db.$client.prepare('SELECT instance_id AS id FROM audit_items WHERE audit_id = ?').all(audit.id) as { id: number }[]).map((r) => r.id));
		const all = (db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number }[]).map((r) => r.id);
		const goldLine = (id: number) => `{"instance": ${id}, "instruction": "yes", "input": "no", "output": "no"}`;
		// The sample is drawn: a gold item on a sampled instance would be met twice, so it is refused.
		expect(errorOf(() => addGold(audit.id, parseGold(goldLine([...sampled][0]), 'quality'), 0.2, null, db))).toMatchObject({ field: 'gold', message: expect.stringContaining("is in the audit's sample") });
		const line = goldLine(all.find((id) => !sampled.has(id))!);
		expect(addGold(audit.id, parseGold(line, 'quality'), 0.2, null, db)).toBe(1);
		expect(errorOf(() => addGold(audit.id, parseGold(line, 'quality'), 0.2, null, db))).toMatchObject({ field: 'gold', message: expect.stringContaining('already a gold item') });
		const g = db.$client.prepare('SELECT input_valid AS i, error_reason AS r FROM audit_gold_answers').get();
		expect(g).toEqual({ i: 0, r: 'input_mismatch' });
	});
});

describe('gold left out of the sampling frame', () => {
	const ids = (sql: string, ...params: number[]) => (db.$client.prepare(sql).all(...params) as { id: number }[]).map((r) => r.id);
	it('never samples a gold instance, even when the whole dataset is drawn, and records how many were left out', async () => {
		const datasetId = await makeDataset(db, 'goldframe', 17);
		const [a, b] = makeUsers(db, 2);
		const instances = ids('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id', datasetId);
		const gold = parseGold(instances.slice(0, 2).map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 17, seed: 4, overlap: 2, reviewerIds: [a.id, b.id], gold, goldRate: 0.2 }, db);
		const sampled = ids('SELECT instance_id AS id FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY instance_id', audit.id);
		expect(sampled).toEqual(instances.slice(2));
		expect(ids('SELECT instance_id AS id FROM audit_items WHERE audit_id = ? AND is_gold = 1 ORDER BY instance_id', audit.id)).toEqual(instances.slice(0, 2));
		expect(audit).toMatchObject({ itemCount: 15, sampleSize: 15, goldCount: 2, samplingFrame: { units: 15, choices: 15, goldExcluded: 2 } });
		// Without gold the frame is the whole dataset and says nothing of gold.
		const plain = createAudit({ datasetId, kind: 'quality', sampleSize: 17, seed: 4, reviewerIds: [a.id] }, db);
		expect(plain.samplingFrame).toEqual({ units: 17, choices: 17, filtered: false });
	});

	it('leaves gold pairs and rated instances out too (conversations: by the same choice key, see sampling.test)', async () => {
		const [a] = makeUsers(db, 1);
		const pairsDataset = await makeDataset(db, 'goldpairs', 6);
		for (const model of ['alpha', 'beta']) await addPredictions(db, 'goldpairs', 6, model);
		const pairs = createAudit({ datasetId: pairsDataset, kind: 'pairwise', pairModels: ['alpha', 'beta'], sampleSize: 1, seed: 1, reviewerIds: [a.id] }, db);
		const pairIds = ids('SELECT id FROM preference_pairs WHERE dataset_id = ? ORDER BY id', pairsDataset);
		expect(pairIds).toHaveLength(6);
		const goldPairs = parseGold(pairIds.slice(0, 2).map((id) => `{"pair": ${id}, "preference": "a"}`).join('\n'), 'pairwise');
		const withGold = createAudit({ datasetId: pairsDataset, kind: 'pairwise', pairModels: ['alpha', 'beta'], sampleSize: 6, seed: 1, reviewerIds: [a.id], gold: goldPairs, goldRate: 0.2 }, db);
		expect(ids('SELECT pair_id AS id FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY pair_id', withGold.id)).toEqual(pairIds.slice(2));
		expect(withGold.samplingFrame).toMatchObject({ choices: 4, goldExcluded: 2 });
		expect(pairs.samplingFrame?.goldExcluded).toBeUndefined();

		const rated = createAudit(
			{ datasetId: pairsDataset, kind: 'rating', models: ['alpha', 'beta'], sampleSize: 6, seed: 1, reviewerIds: [a.id], gold: parseGold(`{"task": ${(db.$client.prepare('SELECT task_id AS t FROM instances WHERE dataset_id = ? ORDER BY id LIMIT 1').get(pairsDataset) as { t: number }).t}, "ratings": {"alpha": "A", "beta": "B"}}`, 'rating'), goldRate: 0.2 },
			db
		);
		const ratedTasks = ids('SELECT task_id AS id FROM audit_items WHERE audit_id = ? AND is_gold = 0', rated.id);
		const goldTask = ids('SELECT task_id AS id FROM audit_items WHERE audit_id = ? AND is_gold = 1', rated.id)[0];
		expect(ratedTasks).toHaveLength(5);
		expect(ratedTasks).not.toContain(goldTask);
		expect(rated.samplingFrame).toMatchObject({ goldExcluded: 1 });
	});
});

describe('rating audits', () => {
	it('shows each reviewer the chosen models\' responses in their own order, blind, and stores ratings per model', async () => {
		await makeDataset(db, 'eval', 6);
		const datasetId = (db.$client.prepare("SELECT id FROM datasets WHERE name = 'eval'").get() as { id: number }).id;
		for (const model of ['alpha', 'beta', 'gamma']) await addPredictions(db, 'eval', 6, model);
		const [a, b] = makeUsers(db, 2);
		expect(previewSample(datasetId, { kind: 'rating' }, db)).toMatchObject({ instructions: 6, models: [{ model: 'alpha', responses: 6 }, { model: 'beta' }, { model: 'gamma' }] });
		const audit = createAudit({ datasetId, kind: 'rating', sampleSize: 6, seed: 5, overlap: 2, models: ['gamma', 'alpha'], reviewerIds: [a.id, b.id] }, db);
		expect(audit.models).toEqual(['alpha', 'gamma']);
		expect(audit.itemCount).toBe(6);

		const orders = new Set<string>();
		for (const r of [a, b]) {
			for (;;) {
				const next = nextAssignment(audit.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				const view = reviewItemView(audit.id, r.id, next.ref, db);
				expect(view.responses).toHaveLength(2);
				expect(view.responses.every((x) => x.model === null)).toBe(true);
				expect(view.output).toBeNull();
				orders.add(view.responses.map((x) => x.text.split(' ')[0]).join(','));
				// Rate alpha A and gamma C, whatever the order on screen.
				const ratings = view.responses.map((x) => (x.text.startsWith('alpha') ? 'A' : 'C'));
				submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'rating', ratings } }, {}, db);
				expect(reviewItemView(audit.id, r.id, next.ref, db).answer).toEqual({ kind: 'rating', ratings, comment: '' });
			}
		}
		expect(orders.size).toBe(2); // both orders occur across reviewers and items
		const dist = db.$client.prepare('SELECT model, rating, count(*) AS n FROM audit_label_ratings WHERE audit_id = ? GROUP BY model, rating ORDER BY model').all(audit.id);
		expect(dist).toEqual([
			{ model: 'alpha', rating: 'A', n: 12 },
			{ model: 'gamma', rating: 'C', n: 12 }
		]);
		expect(reviewHistory(audit.id, a.id, {}, db)[0].summary).toMatch(/^[AC] · [AC]$/);
	});

	it('shows model names when not blind, and refuses the wrong number of ratings', async () => {
		await makeDataset(db, 'eval2', 3);
		const datasetId = (db.$client.prepare("SELECT id FROM datasets WHERE name = 'eval2'").get() as { id: number }).id;
		for (const model of ['m1', 'm2']) await addPredictions(db, 'eval2', 3, model);
		const r = makeUser(db);
		const audit = createAudit({ datasetId, kind: 'rating', blind: false, reviewerIds: [r.id] }, db);
		const next = nextAssignment(audit.id, r.id, {}, db) as { ref: string };
		const view = reviewItemView(audit.id, r.id, next.ref, db);
		expect(view.responses.map((x) => x.model)).toEqual(['m1', 'm2']);
		expect(view.context).toMatchObject({ origin: 'imported' });
		expect(() => submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'rating', ratings: ['A'] } }, {}, db)).toThrow(/Rate each of the 2/);
	});
});
