/**
 * Rows of an export that no audit could have drawn — outside its sampling frame — get no estimate:
 * the verifier's dataset "fd" (199 imported rows, 20 seed tasks, filters applied, a quality audit
 * stratified by verdict drawing its kept stratum from the judged rows only) exported with
 * `--where kept --where audit=N` holds the 20 seed rows, which the manifest's quality section, its
 * file figures and the card must name and treat as unknown; and an unstratified audit drawn
 * before seed tasks were added leaves them outside its frame likewise.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { findDatasetByName } from '../../src/lib/server/datasets/datasets';
import { applyFilters } from '../../src/lib/server/filters/apply';
import { filterPreset } from '../../src/lib/filters/presets';
import { createAudit } from '../../src/lib/server/audits/create';
import { startExport, type ExportRequest } from '../../src/lib/server/exports/export';
import { parseWhere } from '../../src/lib/server/exports/filters';
import { datasetCard } from '../../src/lib/cards/dataset-card';
import { makeUsers } from './audit-fixtures';
import { buildRatingAudit } from '../support/audit-fixtures';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

/** A made-up word per number, so that no two instructions share more than their frame (ROUGE-L well under 0.7). */
const word = (n: number) => {
	const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pu', 'gri', 'dol'];
	let w = '';
	for (let k = n + 13; k > 0; k = Math.floor(k / 12)) w += syllables[k % 12];
	return w;
};
const rows = (from: number, count: number) =>
	jsonl(Array.from({ length: count }, (_, k) => ({ instruction: `Explain ${word(3 * (from + k))} and ${word(3 * (from + k) + 1)} ${word(3 * (from + k) + 2)} briefly.`, input: '', output: `An answer of several words ${from + k}.` })));

async function importRows(dataset: string, text: string, origin?: 'seed') {
	await importFile(streamOf(text), { datasetName: dataset, fileName: origin ? 'seed_tasks.jsonl' : 'rows.jsonl', origin }, db);
	return findDatasetByName(dataset, db)!.id;
}

function runExport(request: ExportRequest) {
	const stream = startExport(request, db);
	for (const _ of stream.chunks());
	return stream.manifest();
}

/** Every sampled item of the audit labelled by the reviewer: all valid except every third. */
function labelAll(auditId: number, reviewerId: number) {
	const items = db.$client.prepare<[number], { id: number }>('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY id').all(auditId);
	const insert = db.$client.prepare(
		`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, submitted_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?, ?)`
	);
	items.forEach((it, k) => insert.run(auditId, it.id, reviewerId, k % 3 === 2 ? 0 : 1, Date.now(), Date.now()));
	return items.length;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('rows outside the audits\' sampling frame', () => {
	it('a verdict-stratified audit and the seed tasks a kept export holds: counted by origin, no estimate, bounds as unknown, in manifest and card', async () => {
		const datasetId = await importRows('fd', rows(1000, 20), 'seed');
		// 194 distinct instructions and 5 near copies of the first five, which ROUGE-L rejects.
		const nearCopies = jsonl(Array.from({ length: 5 }, (_, k) => ({ instruction: `Explain ${word(3 * k)} and ${word(3 * k + 1)} ${word(3 * k + 2)} quickly.`, input: '', output: `Another answer ${k}.` })));
		await importRows('fd', rows(0, 194) + nearCopies);
		await applyFilters(datasetId, filterPreset('self-instruct'), null, db);
		const kept = db.$client
			.prepare<[number], number>("SELECT count(*) FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.dataset_id = ? AND t.origin <> 'seed' AND i.filter_status = 'kept' AND t.filter_status = 'kept'")
			.pluck()
			.get(datasetId)!;
		expect(kept).toBeGreaterThan(150);
		expect(kept).toBeLessThan(199);
		await tick();
		const [reviewer] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'quality', stratify: 'verdict', strataSizes: { kept: 6 }, seed: 7, reviewerIds: [reviewer.id] }, db);
		expect(labelAll(audit.id, reviewer.id)).toBe(6);

		const manifest = runExport({ datasetId, filters: parseWhere(['kept', `audit=${audit.id}`]), format: 'jsonl' });
		expect(manifest.counts.rows).toBe(kept + 20);
		const q = manifest.quality!;
		expect(q.population.items).toBe(6);
		expect(q.exported.outsideFrame).toEqual({ rows: 20, origins: { seed: 20, generated: 0, imported: 0 } });
		// Not "the file is the audited population": the frame's rows carry its figures, the seeds count both ways.
		expect(q.exported.basis).toBe('frame');
		expect(q.exported.method).not.toMatch(/the file is the audited population/);
		expect(q.exported.method).toContain(`the ${kept} rows the audits could draw are the audited population`);
		expect(q.exported.method).toContain('the 20 rows (20 of seed tasks) outside the audits\' sampling frame (no audit could draw them) have no estimate');
		const n = kept + 20;
		expect(q.exported.rate).toBeNull();
		expect(q.exported.low).toBeCloseTo((kept * q.population.low!) / n, 12);
		expect(q.exported.high).toBeCloseTo((kept * q.population.high! + 20) / n, 12);
		expect(q.exported.lower).toBeCloseTo((kept * q.population.lower) / n, 12);
		expect(q.exported.upper).toBeCloseTo((kept * q.population.upper + 20) / n, 12);
		expect(q.population.description).toBe('the rows this export selects before its human-label filters, except the 20 rows (20 of seed tasks) outside the audit\'s sampling frame');
		expect(q.caveats.join(' ')).toContain(`20 rows (20 of seed tasks) of this file lie outside the sampling frame of audit "${audit.name}": no audit could have drawn them`);

		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).not.toContain('they are the audited population and carry its figures.');
		expect(card).toContain('human reviewers judged a random sample of the rows this export selects before its human-label filters, except the 20 rows (20 of seed tasks) outside');
		expect(card).toContain('| These rows (expected; 20 outside the audits\u2019 sampling frame counted as unknown) |');
		expect(card).toContain('the 20 outside the audits\u2019 sampling frame (20 of seed tasks) could not have been sampled, so the estimate says nothing about them');
		expect(card).toContain('20 outside the audits\u2019 sampling frame, which no estimate covers');

		// Every row: the rejected rows are in no stratum the audit gave a size (it drew only kept rows), so they are outside too.
		const everyRow = runExport({ datasetId, filters: parseWhere([`audit=${audit.id}`]), format: 'jsonl' }).quality!;
		expect(everyRow.exported.rows).toBe(219);
		expect(everyRow.exported.outsideFrame).toEqual({ rows: 219 - kept, origins: { seed: 20, generated: 0, imported: 199 - kept } });
		expect(everyRow.caveats.join(' ')).toContain('a verdict-stratified audit draws only from the strata it gave a size');

		// Leaving the seed tasks out, the file is the audited population again.
		const generated = runExport({ datasetId, filters: parseWhere(['kept', 'origin=generated,imported', `audit=${audit.id}`]), format: 'jsonl' }).quality!;
		expect(generated.exported.outsideFrame.rows).toBe(0);
		expect(generated.exported.basis).toBe('population');
		expect(generated.exported.rate).toBe(generated.population.rate);
		expect(generated.caveats.join(' ')).not.toMatch(/sampling frame/);

		// With a human-label filter the mix counts the seeds as unknown too.
		const notRejected = runExport({ datasetId, filters: parseWhere(['kept', 'not-rejected', `audit=${audit.id}`]), format: 'jsonl' }).quality!;
		expect(notRejected.exported.basis).toBe('mixed');
		expect(notRejected.exported.outsideFrame.rows).toBe(20);
		expect(notRejected.exported.rate).toBeNull();
		const e = notRejected.exported;
		const atRate = e.unlabelled - 20;
		expect(e.low).toBeCloseTo((e.labelledCorrect + atRate * notRejected.population.low!) / e.rows, 12);
		expect(e.high).toBeCloseTo((e.labelledCorrect + atRate * notRejected.population.high! + 20) / e.rows, 12);
	});

	it('an unstratified audit drawn before seed tasks were added: they are outside its frame, and inside a later audit\'s', async () => {
		const datasetId = await importRows('late-seeds', rows(0, 30));
		await tick();
		const [reviewer] = makeUsers(db, 1);
		const early = createAudit({ datasetId, kind: 'quality', sampleSize: 10, seed: 3, reviewerIds: [reviewer.id] }, db);
		labelAll(early.id, reviewer.id);
		await tick();
		await importRows('late-seeds', rows(500, 5), 'seed');

		const q = runExport({ datasetId, filters: parseWhere([`audit=${early.id}`]), format: 'jsonl' }).quality!;
		expect(q.exported.rows).toBe(35);
		expect(q.exported.outsideFrame).toEqual({ rows: 5, origins: { seed: 5, generated: 0, imported: 0 } });
		expect(q.exported.basis).toBe('frame');
		expect(q.caveats.join(' ')).toContain('rows added to the dataset after an audit was drawn are not in its frame');

		// An audit drawn after them could have drawn the seed tasks: with it in scope, no row is outside.
		await tick();
		const later = createAudit({ datasetId, kind: 'quality', sampleSize: 2, seed: 4, reviewerIds: [reviewer.id] }, db);
		const both = runExport({ datasetId, filters: parseWhere([`audit=${early.id},${later.id}`]), format: 'jsonl' }).quality!;
		expect(both.exported.outsideFrame.rows).toBe(0);
		expect(both.exported.basis).toBe('population');
	});
});

describe('a rating audit\'s sampling frame (exports of model responses)', () => {
	it('names the responses no rating audit could have drawn — a model\'s later response to a row — as quality audits name their rows', async () => {
		const built = await buildRatingAudit(db, {
			datasetName: 'rated',
			tasks: [
				{ key: 'r1', classification: false },
				{ key: 'r2', classification: false },
				{ key: 'r3', classification: false }
			],
			models: ['m1', 'm2'],
			reviewers: ['Ana'],
			overlap: 1,
			labels: { r1: { Ana: { ratings: { m1: 'A', m2: 'C' } } }, r2: { Ana: { ratings: { m1: 'B', m2: 'D' } } }, r3: { Ana: { ratings: { m1: 'C', m2: 'A' } } } }
		});
		const request: ExportRequest = { datasetId: built.datasetId, filters: {}, format: 'jsonl', responsesOf: 'm1' };
		// Every response the audit rated is in its frame.
		expect(runExport(request).quality!.exported.outsideFrame).toEqual({ rows: 0, origins: { seed: 0, generated: 0, imported: 0 } });

		// m1 answers r1 again after the draw: the audit rates a model's first response to a row only.
		const first = db.$client.prepare<[number], { task_id: number; instance_id: number }>('SELECT task_id, instance_id FROM responses WHERE id = ?').get(built.responses.r1.m1)!;
		db.$client
			.prepare("INSERT INTO responses (task_id, instance_id, dataset_id, model, response, created_at) VALUES (?, ?, ?, 'm1', 'a second try', ?)")
			.run(first.task_id, first.instance_id, built.datasetId, Date.now() + 60_000);
		const manifest = runExport(request);
		const q = manifest.quality!;
		expect(manifest.counts.rows).toBe(4);
		expect(q.exported.outsideFrame).toEqual({ rows: 1, origins: { seed: 0, generated: 0, imported: 1 } });
		expect(q.exported.basis).toBe('frame');
		expect(q.caveats.join(' ')).toContain(`1 row (1 imported) of this file lies outside the sampling frame of audit "rated ratings": no audit could have drawn it`);
		expect(q.caveats.join(' ')).toContain("other models' responses, and a model's later ones, are not in its frame");
		expect(q.caveats.join(' ')).toContain('The estimate says nothing about it');
		// The card says it as it does for a quality audit.
		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).toContain('1 outside the audits\u2019 sampling frame, which no estimate covers');
	});

	it('an export of a model the rating audit does not rate: no estimate, and a note saying the audit rates other models\' responses', async () => {
		const built = await buildRatingAudit(db, {
			datasetName: 'rated',
			tasks: [
				{ key: 'r1', classification: false },
				{ key: 'r2', classification: false }
			],
			models: ['m1', 'm2'],
			reviewers: ['Ana'],
			overlap: 1,
			labels: { r1: { Ana: { ratings: { m1: 'A', m2: 'C' } } }, r2: { Ana: { ratings: { m1: 'B', m2: 'D' } } } }
		});
		// t0 answered the same rows; the audit rates m1 and m2 only.
		const rows = db.$client.prepare<[number], { task_id: number; instance_id: number }>("SELECT task_id, instance_id FROM responses WHERE dataset_id = ? AND model = 'm1'").all(built.datasetId);
		for (const r of rows) {
			db.$client.prepare("INSERT INTO responses (task_id, instance_id, dataset_id, model, response, created_at) VALUES (?, ?, ?, 't0', 'an answer', ?)").run(r.task_id, r.instance_id, built.datasetId, Date.now());
		}
		const auditId = db.$client.prepare("SELECT id FROM audits WHERE kind = 'rating'").pluck().get() as number;
		const manifest = runExport({ datasetId: built.datasetId, filters: parseWhere([`audit=${auditId}`]), format: 'jsonl', responsesOf: 't0' });
		expect(manifest.counts.rows).toBe(2);
		expect(manifest.quality).toBeNull();
		expect(manifest.qualityNote).toBe(
			`Audit "rated ratings" rates the responses of m1 and m2, not t0's: this file's rows lie outside its sampling frame (a rating audit rates the first response of each of its models to a row: other models' responses are not in its frame), so no estimate covers this export.`
		);
		// A model it rates has its estimate, and no note.
		const rated = runExport({ datasetId: built.datasetId, filters: parseWhere([`audit=${auditId}`]), format: 'jsonl', responsesOf: 'm1' });
		expect(rated.quality).not.toBeNull();
		expect(rated.qualityNote).toBeNull();
	});
});
