/**
 * Exports and the model judge, end to end: a judge run through the official SDK against the
 * scripted server, an audit it is calibrated against, then
 *   - the manifest carries `judgeEstimate` (PPI++ figure, interval, n, run id/model/template
 *     fingerprint), labelled apart from the human-only `quality`, valid against the schema;
 *   - the `judge-valid` filter keeps exactly the rows the judge called all valid, and the count
 *     (API function and `export --count --judge-run --judge-valid --json`) carries the judge's
 *     precision on the audit with its Wilson interval;
 *   - without a judge run the manifest says null, and a bad judge-run is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { validate } from '../support/json-schema';
import type { Db } from '../../src/lib/server/db';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { countExport, countExportOffThread, startExport, startExportOffThread, writeExportFile, type ExportStream } from '../../src/lib/server/exports/export';
import { judgeAuditCalibration } from '../../src/lib/server/judge/calibration';
import { tieRangeTexts } from '../../src/lib/judge/wording';
import { judgePrecisionText } from '../../src/lib/judge/filter-precision';
import { parseWhere } from '../../src/lib/server/exports/filters';
import { wilsonInterval } from '../../src/lib/stats/proportion';
import { FAST_RETRY, fakeEndpoint } from './generation-support';
import { TASKS, buildJudgeWorld, expectedFigures, humanSays, judgeSays } from './judge-support';
import { CLI_ENTRY } from '../support/cli-bundle';
import { importFile } from '../../src/lib/server/datasets/import';
import { jsonl, streamOf } from '../support/db';

let db: Db;
let file: string;
let cleanup: () => void;
let fake: FakeOpenAI;
let dir: string;

beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	fake = await startFakeOpenAI({ script: (await import('./judge-support')).judgeScript });
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-judge-export-'));
});
afterEach(async () => {
	await fake.close();
	cleanup();
	fs.rmSync(dir, { recursive: true, force: true });
});

const schema = JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8'));

async function judgedWorld() {
	const world = await buildJudgeWorld(db);
	const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
	const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
	const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
	expect(end.status).toBe('completed');
	return { ...world, runId: run.id };
}

/** A copy of an audit (items and labels), newer, whose reviewers saw judge run `suggestionRunId`'s answers pre-filled. */
function cloneAudit(auditId: number, suggestionRunId: number): number {
	const columns = (table: string) => (db.$client.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name).filter((c) => c !== 'id');
	const auditCols = columns('audits');
	const copy = Number(
		db.$client
			.prepare(`INSERT INTO audits (${auditCols.join(', ')}) SELECT ${auditCols.map((c) => (c === 'suggestion_run_id' ? '?' : c === 'name' ? "name || ' (suggestions shown)'" : c)).join(', ')} FROM audits WHERE id = ?`)
			.run(suggestionRunId, auditId).lastInsertRowid
	);
	const itemCols = columns('audit_items');
	const labelCols = columns('audit_labels');
	const items = db.$client.prepare('SELECT * FROM audit_items WHERE audit_id = ?').all(auditId) as Record<string, unknown>[];
	for (const item of items) {
		const values = itemCols.map((c) => (c === 'audit_id' ? copy : c === 'ref' ? `${item.ref}-copy` : item[c]));
		const newItem = Number(db.$client.prepare(`INSERT INTO audit_items (${itemCols.join(', ')}) VALUES (${itemCols.map(() => '?').join(', ')})`).run(...values).lastInsertRowid);
		for (const label of db.$client.prepare('SELECT * FROM audit_labels WHERE item_id = ?').all(item.id) as Record<string, unknown>[]) {
			const labelValues = labelCols.map((c) => (c === 'audit_id' ? copy : c === 'item_id' ? newItem : label[c]));
			db.$client.prepare(`INSERT INTO audit_labels (${labelCols.join(', ')}) VALUES (${labelCols.map(() => '?').join(', ')})`).run(...labelValues);
		}
	}
	return copy;
}

describe('exports with a model judge', () => {
	it('the manifest carries the judge estimate apart from the human one, valid against the schema', async () => {
		const before = await buildJudgeWorld(db, 'not judged');
		const plain = writeExportFile({ datasetId: before.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'plain.jsonl'), {}, db).manifest;
		expect(plain.quality).not.toBeNull();
		expect(plain.judgeEstimate).toBeNull();
		expect(plain.judgePrecision).toBeNull();
		expect(validate(schema, plain)).toEqual([]);

		const world = await judgedWorld();
		const { manifest } = writeExportFile({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'all.jsonl'), {}, db);
		const je = manifest.judgeEstimate!;
		const want = expectedFigures(world.audited);
		expect(je.kind).toBe('judge-ppi');
		expect(je.label).toMatch(/Model-as-judge estimate/);
		expect(je.judgeRun.id).toBe(world.runId);
		expect(je.judgeRun.model).toBe('fake-base');
		expect(je.judgeRun.templateFingerprint).toMatch(/^[0-9a-f]{8,}$/);
		expect(je.auditId).toBe(world.auditId);
		expect(je.method).toBe('ppi++');
		expect(je.rate!).toBeCloseTo(want.estimate, 12);
		expect(je.lower).toBeCloseTo(Math.max(0, want.lower), 9);
		expect(je.upper).toBeCloseTo(Math.min(1, want.upper), 9);
		expect(je.populationUnits).toBe(TASKS);
		expect(je.auditedUnits).toBe(world.audited.length);
		expect(je.humanOnly.rate!).toBeCloseTo(want.humanRate, 12);
		expect(je.appliesToSelection).toBe(true);
		// The human-only figure is still there, under its own name.
		expect(manifest.quality!.population.items).toBe(world.audited.length);
		expect(validate(schema, manifest)).toEqual([]);
		expect(validate(schema, { ...manifest, judgeEstimate: { ...je, kind: 'human' } })).not.toEqual([]);
	}, 60_000);

	it("the server's download: the judge figures computed in the report thread equal the snapshot's, and a label written meanwhile does not reach them", async () => {
		const world = await judgedWorld();
		const filters = parseWhere([`judge-run=${world.runId}`, 'judge-valid']);
		const request = () => ({ datasetId: world.datasetId, filters, format: 'jsonl' as const });
		const manifestOf = (stream: ExportStream) => {
			for (const _chunk of stream.chunks()) {
				// drained for the manifest
			}
			return stream.manifest();
		};
		const here = manifestOf(startExport(request(), db));
		expect(here.judgeEstimate).not.toBeNull();
		expect(here.judgePrecision).not.toBeNull();
		const off = manifestOf(await startExportOffThread(request(), db));
		expect(off.judgeEstimate).toEqual(here.judgeEstimate);
		expect(off.judgePrecision).toEqual(here.judgePrecision);
		expect(off.quality).toEqual(here.quality);

		// A reviewer's label changes while the report thread computes: the download's figures are
		// still those of its own snapshot, taken before the change.
		const label = db.$client
			.prepare<[number], { id: number; output: number }>('SELECT id, output_valid AS output FROM audit_labels WHERE audit_id = ? AND output_valid IS NOT NULL ORDER BY id LIMIT 1')
			.get(world.auditId)!;
		const started = startExportOffThread(request(), db);
		db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(1 - label.output, label.id);
		const during = manifestOf(await started);
		expect(during.judgeEstimate).toEqual(here.judgeEstimate);
		expect(during.judgePrecision).toEqual(here.judgePrecision);
		expect(during.quality).toEqual(here.quality);
		// …and the next download sees the change.
		const after = manifestOf(await startExportOffThread(request(), db));
		expect(after.judgePrecision).not.toEqual(here.judgePrecision);
	}, 60_000);

	it('a selection narrower than the audited population gets its own estimate, corrected by the audited rows inside it', async () => {
		const world = await judgedWorld();
		const idOf = db.$client.prepare<[number, string], number>('SELECT i.id FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.dataset_id = ? AND t.source_id = ?').pluck();
		const even = Array.from({ length: TASKS }, (_, k) => k).filter((k) => k % 2 === 0);
		const rows = new Set(even.map((k) => idOf.get(world.datasetId, `task_${k}`)!));
		const sub = judgeAuditCalibration(world.auditId, world.runId, { rows }, db);
		const want = expectedFigures(world.audited, even);
		expect(sub.population.rows).toBe(even.length);
		expect(sub.estimate!.auditedRows).toBe(world.audited.filter((k) => k % 2 === 0).length);
		expect(sub.estimate!.estimate!).toBeCloseTo(want.estimate, 12);
		expect(sub.estimate!.lower).toBeCloseTo(Math.max(0, want.lower), 9);
		expect(sub.estimate!.upper).toBeCloseTo(Math.min(1, want.upper), 9);
		// Agreement stays the whole audit's.
		expect(sub.calibration).toEqual(judgeAuditCalibration(world.auditId, world.runId, {}, db).calibration);

		// A row outside what the audit sampled from (added after the judge run): no estimate, and why.
		const outside = judgeAuditCalibration(world.auditId, world.runId, { rows: new Set([...rows, 10_000_000]) }, db);
		expect(outside.estimate).toBeNull();
		expect(outside.estimateNote).toMatch(/1 of the 21 selected rows lie outside/);
	}, 60_000);

	it('rows added after the audit was drawn are outside the estimate; with an audited row newer than the audit there is none', async () => {
		const world = await buildJudgeWorld(db);
		// 20 rows the judge calls valid, imported after the audit: it never could have sampled them.
		await new Promise((r) => setTimeout(r, 5));
		const later = Array.from({ length: 20 }, (_, k) => ({ id: `late_${k}`, instruction: `Late instruction ${k}.`, instances: [{ input: `late input ${k}`, output: `late output ${k}` }] }));
		await importFile(streamOf(jsonl(later)), { datasetName: 'judged', fileName: 'later.jsonl' }, db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		expect((await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done).status).toBe('completed');

		const cal = judgeAuditCalibration(world.auditId, run.id, {}, db);
		const want = expectedFigures(world.audited);
		expect(cal.population.rows).toBe(TASKS);
		expect(cal.estimate!.populationRows).toBe(TASKS);
		expect(cal.estimate!.estimate!).toBeCloseTo(want.estimate, 12);
		expect(cal.estimate!.lower).toBeCloseTo(Math.max(0, want.lower), 9);
		expect(cal.caveats.join(' ')).toMatch(/20 row\(s\) were added to the dataset after the audit was drawn/);

		// The manifest: the population's figure (40 rows), not the file's 60, and says why.
		const { manifest } = writeExportFile({ datasetId: world.datasetId, filters: parseWhere([`judge-run=${run.id}`]), format: 'jsonl' }, path.join(dir, 'late.jsonl'), {}, db);
		const je = manifest.judgeEstimate!;
		expect(je.populationUnits).toBe(TASKS);
		expect(je.rate!).toBeCloseTo(want.estimate, 12);
		expect(je.appliesToSelection).toBe(false);
		expect(je.caveats.join(' ')).toMatch(/20 of the 60 selected rows lie outside the population audit \d+ sampled from \(or were added after the audit was drawn/);
		expect(validate(schema, manifest)).toEqual([]);

		// An audit whose own rows are newer than it (its frame cannot be known): no estimate, and why.
		db.$client.prepare<[number]>('UPDATE audits SET created_at = 1000 WHERE id = ?').run(world.auditId);
		const unknown = judgeAuditCalibration(world.auditId, run.id, {}, db);
		expect(unknown.estimate).toBeNull();
		expect(unknown.estimateNote).toMatch(/audited row\(s\) were created after the audit was, so the rows it sampled from cannot be told/);
	}, 60_000);

	it('says so when rows the audit drew from have since left its population (a filter run after the draw)', async () => {
		const world = await judgedWorld();
		const before = judgeAuditCalibration(world.auditId, world.runId, {}, db);
		expect(before.caveats.join(' ')).not.toMatch(/The audit was drawn from/);
		// Four rows nobody audited, rejected as a filter run after the draw would (the audit left rejected rows out).
		const unaudited = Array.from({ length: TASKS }, (_, k) => k).filter((k) => !world.audited.includes(k)).slice(0, 4);
		const reject = db.$client.prepare<[number, string]>("UPDATE instances SET filter_status = 'rejected' WHERE task_id IN (SELECT id FROM tasks WHERE dataset_id = ? AND source_id = ?)");
		for (const k of unaudited) reject.run(world.datasetId, `task_${k}`);
		const after = judgeAuditCalibration(world.auditId, world.runId, {}, db);
		expect(after.population.rows).toBe(TASKS - 4);
		expect(after.caveats.join(' ')).toMatch(new RegExp(`The audit was drawn from ${TASKS} row\\(s\\); 4 of them have since left its population .* the ${TASKS - 4} that remain`));
	}, 60_000);

	it("prefers an audit whose reviewers did not see the judge's answers, and says so plainly when only such an audit is calibrated", async () => {
		const world = await judgedWorld();
		// A newer audit of the same items whose reviewers saw this judge's answers pre-filled.
		const anchored = cloneAudit(world.auditId, world.runId);
		expect(anchored).toBeGreaterThan(world.auditId);
		const filters = parseWhere([`judge-run=${world.runId}`, 'judge-valid']);
		const { manifest } = writeExportFile({ datasetId: world.datasetId, filters, format: 'jsonl' }, path.join(dir, 'unanchored.jsonl'), {}, db);
		expect(manifest.judgeEstimate).toMatchObject({ auditId: world.auditId, anchoredNote: null });
		expect(manifest.judgePrecision).toMatchObject({ auditId: world.auditId, anchoredNote: null });
		expect(countExport({ datasetId: world.datasetId, filters }, db).judgePrecision).toMatchObject({ auditId: world.auditId, anchoredNote: null });
		expect(validate(schema, manifest)).toEqual([]);

		// Every calibrated audit showed the suggestions: the newest is used, and every place that names it says so.
		db.$client.prepare('UPDATE audits SET suggestion_run_id = ? WHERE id = ?').run(world.runId, world.auditId);
		const both = writeExportFile({ datasetId: world.datasetId, filters, format: 'jsonl' }, path.join(dir, 'anchored.jsonl'), {}, db).manifest;
		const note = `Audit ${anchored}'s reviewers saw judge run ${world.runId}'s answers pre-filled as suggestions, and no audit without them among those this export reads (all of the dataset's, or those chosen with audit=) is calibrated`;
		expect(both.judgeEstimate!.auditId).toBe(anchored);
		expect(both.judgeEstimate!.anchoredNote).toContain(note);
		expect(both.judgePrecision).toMatchObject({ auditId: anchored });
		expect(both.judgePrecision!.anchoredNote).toContain(note);
		expect(countExport({ datasetId: world.datasetId, filters }, db).judgePrecision!.anchoredNote).toContain(note);
		expect(validate(schema, both)).toEqual([]);
	});

	it('with tied audited items the manifest, the CLI line and the card headline the tie range as the report page does, the ties-left-out figure named beside it', async () => {
		const world = await judgedWorld();
		// A second reviewer disagrees on two audited items, one the judge calls all valid and one it does not: they tie.
		const other = db.$client.prepare("INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('tess@example.org', 'Tess', 'reviewer', 'x', 0) RETURNING id").get() as { id: number };
		const items = db.$client
			.prepare('SELECT l.item_id AS itemId, l.output_valid AS outputValid, t.source_id AS key FROM audit_labels l JOIN audit_items a ON a.id = l.item_id JOIN tasks t ON t.id = a.task_id WHERE l.audit_id = ? ORDER BY l.id')
			.all(world.auditId) as { itemId: number; outputValid: number; key: string }[];
		const taskOf = (i: { key: string }) => Number(i.key.replace('task_', ''));
		const tiedItems = [items.find((i) => judgeSays(taskOf(i)) === true)!, items.find((i) => judgeSays(taskOf(i)) === false)!];
		for (const i of tiedItems)
			db.$client
				.prepare('INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, submitted_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, 1, 1)')
				.run(world.auditId, i.itemId, other.id, i.outputValid ? 0 : 1);
		const cal = judgeAuditCalibration(world.auditId, world.runId, {}, db);
		const { tiesAsNo, tiesAsYes } = cal.tieRange!;
		const { manifest } = writeExportFile({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'tied.jsonl'), {}, db);
		const je = manifest.judgeEstimate!;
		expect(je.tiedItems).toBe(2);
		expect(je.rate).toBeNull();
		expect(je.low!).toBeCloseTo(tiesAsNo.estimate!, 12);
		expect(je.high!).toBeCloseTo(tiesAsYes.estimate!, 12);
		expect(je.lower).toBeCloseTo(Math.min(tiesAsNo.lower, tiesAsYes.lower), 12);
		expect(je.upper).toBeCloseTo(Math.max(tiesAsNo.upper, tiesAsYes.upper), 12);
		expect(je.auditedUnits).toBe(world.audited.length);
		expect(je.tiesLeftOut).toMatchObject({ rate: cal.estimate!.estimate, lower: cal.estimate!.lower, upper: cal.estimate!.upper, auditedUnits: world.audited.length - 2 });
		expect(je.humanOnly.low!).toBeCloseTo(tiesAsNo.humanOnly.proportion!, 12);
		expect(je.humanOnly.high!).toBeCloseTo(tiesAsYes.humanOnly.proportion!, 12);
		expect(je.humanOnly.n).toBe(world.audited.length);
		expect(je.caveats.join(' ')).toContain('2 audited item(s) tied');
		expect(validate(schema, manifest)).toEqual([]);
		const pageRange = tieRangeTexts(cal.tieRange!).ppi; // what the report page shows
		const [, low, high, lower, upper] = /^([\d.]+%)–([\d.]+%) \[([\d.]+%), ([\d.]+%)\]$/.exec(pageRange)!;

		// The command line says the same, then the ties-left-out figure by its name.
		const cli = spawnSync(process.execPath, [CLI_ENTRY, 'export', String(world.datasetId), '--judge-run', String(world.runId), '--format', 'jsonl', '--out', path.join(dir, 'cli.jsonl')], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 60_000 });
		expect(cli.status, cli.stderr).toBe(0);
		expect(cli.stdout).toContain(`: ${low}–${high} (interval ${lower} to ${upper}) with the 2 tied audited item(s) counted as "no" and as "yes", N = ${TASKS}, n = ${world.audited.length}; with the tied items left out: `);

		// A narrower selection (the rows the judge calls valid) counts the tied items inside it — one of the two —, not the whole audit's.
		const valid = writeExportFile({ datasetId: world.datasetId, filters: parseWhere([`judge-run=${world.runId}`, 'judge-valid']), format: 'jsonl' }, path.join(dir, 'valid.jsonl'), {}, db).manifest.judgeEstimate!;
		const judgedValid = world.audited.filter((k) => judgeSays(k) === true);
		expect(valid.tiedItems).toBe(1);
		expect(valid.caveats.join(' ')).toContain('1 audited item(s) tied');
		expect(valid.caveats.join(' ')).not.toContain('2 audited item(s) tied');
		expect(valid.auditedUnits).toBe(judgedValid.length);
		expect(valid.tiesLeftOut!.auditedUnits).toBe(judgedValid.length - 1);
		expect(validate(schema, { ...manifest, judgeEstimate: valid })).toEqual([]);
		// Its precision says the tied item it leaves out, in the manifest and on the command line.
		const precision = countExport({ datasetId: world.datasetId, filters: parseWhere([`judge-run=${world.runId}`, 'judge-valid']) }, db).judgePrecision!;
		expect(precision).toMatchObject({ judgedValid: judgedValid.length - 1, tiedJudgedValid: 1 });
		expect(precision.method).toContain('the 1 such item whose reviewers tied (no final label) left out');
		expect(validate(schema, { ...manifest, judgePrecision: precision })).toEqual([]);
		const precisionCli = spawnSync(process.execPath, [CLI_ENTRY, 'export', String(world.datasetId), '--where', `judge-run=${world.runId}`, '--where', 'judge-valid', '--format', 'jsonl', '--out', path.join(dir, 'cli-valid.jsonl')], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 60_000 });
		expect(precisionCli.status, precisionCli.stderr).toBe(0);
		// The headline counts the tied item as "no" and as "yes" (the page's line is the same sentence).
		const hv = precision.humanValid;
		expect(precision.withTies).toMatchObject({ rate: null, low: hv / judgedValid.length, high: (hv + 1) / judgedValid.length });
		// The headline (ties counted both ways) comes first in the manifest, as on the page and the export line.
		expect(Object.keys(precision).indexOf('withTies')).toBeLessThan(Object.keys(precision).indexOf('precision'));
		expect(precision.withTies.lower).toBeCloseTo(wilsonInterval(hv, judgedValid.length).lower, 12);
		expect(precision.withTies.upper).toBeCloseTo(wilsonInterval(hv + 1, judgedValid.length).upper, 12);
		expect(precisionCli.stdout).toContain(judgePrecisionText(precision));
		expect(precisionCli.stdout).toContain(
			`with the 1 tied audited item counted as "no" and as "yes" — of the ${judgedValid.length} audited items judge run ${world.runId} called all valid, the final human label also says all valid on ${hv}, and on 1 the reviewers tied with each other (no final label); with the tied items left out: `
		);
	}, 90_000);

	it('a judge run that failed is not chosen by default: the manifest says why, and naming it uses it with its status', async () => {
		const world = await judgedWorld();
		db.$client.prepare("UPDATE generation_runs SET status = 'failed' WHERE id = ?").run(world.runId);
		const plain = writeExportFile({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'plain.jsonl'), {}, db).manifest;
		expect(plain.judgeEstimate).toBeNull();
		expect(plain.judgeEstimateNote).toBe(`No judge estimate: judge run ${world.runId} failed, and a run that did not complete is not chosen by default; name one with judge-run=<id> (--judge-run) to use it.`);
		const named = writeExportFile({ datasetId: world.datasetId, filters: parseWhere([`judge-run=${world.runId}`]), format: 'jsonl' }, path.join(dir, 'named.jsonl'), {}, db).manifest;
		expect(named.judgeEstimate!.judgeRun.status).toBe('failed');
		expect(validate(schema, named)).toEqual([]);
	}, 60_000);

	it('filters on the judge verdict and reports its measured precision with the count', async () => {
		const world = await judgedWorld();
		const filters = parseWhere([`judge-run=${world.runId}`, 'judge-valid']);
		const counts = countExport({ datasetId: world.datasetId, filters }, db);
		const judgedValid = Array.from({ length: TASKS }, (_, k) => k).filter((k) => judgeSays(k) === true);
		expect(counts.instances).toBe(judgedValid.length);

		// Precision: of the audited tasks the judge called valid, how many the humans called valid.
		const tp = world.audited.filter((k) => judgeSays(k) === true && humanSays(k)).length;
		const jy = world.audited.filter((k) => judgeSays(k) === true).length;
		const wilson = wilsonInterval(tp, jy);
		const p = counts.judgePrecision!;
		// The export page's count: the same, the precision computed in the report thread.
		expect(await countExportOffThread({ datasetId: world.datasetId, filters }, db)).toEqual(counts);
		expect(p).toMatchObject({ runId: world.runId, auditId: world.auditId, judgedValid: jy, humanValid: tp });
		expect(p.precision!).toBeCloseTo(tp / jy, 12);
		expect(p.lower).toBeCloseTo(wilson.lower, 12);
		expect(p.upper).toBeCloseTo(wilson.upper, 12);

		// The file holds exactly those rows; the manifest records the filter, the precision, and says the estimate is the population's.
		const { manifest } = writeExportFile({ datasetId: world.datasetId, filters, format: 'jsonl' }, path.join(dir, 'judged.jsonl'), {}, db);
		const outputs = fs
			.readFileSync(path.join(dir, 'judged.jsonl'), 'utf8')
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l).output as string);
		expect(outputs.every((o) => !o.includes('WRONG') && !/GARBLE$/.test(o))).toBe(true);
		expect(outputs).toHaveLength(judgedValid.length);
		expect(manifest.filters.map((f) => f.where)).toEqual([`judge-run=${world.runId}`, 'judge-valid']);
		expect(manifest.judgePrecision).toEqual(p);
		// The estimate is this file's: every row is judged valid, so the judge's rate is 1 and the
		// correction leaves the audited rows' own share — the precision (its interval is PPI++'s at λ = 0).
		const je = manifest.judgeEstimate!;
		expect(je.appliesToSelection).toBe(true);
		expect(je.populationUnits).toBe(judgedValid.length);
		expect(je.auditedUnits).toBe(jy);
		expect(je.rate!).toBeCloseTo(tp / jy, 12);
		// …which is the audit alone (λ = 0), said so: not presented as a prediction-powered estimate.
		expect(je).toMatchObject({ method: 'audit-only', fallback: 'judge-constant', lambda: 0 });
		expect(je.label).toMatch(/^The human audit \d+ alone over the export's rows: judge run \d+ \(fake-base\) adds nothing — it gave every row the same verdict/);
		expect(je.population.description).toMatch(new RegExp(`the ${judgedValid.length} rows this export selects`));
		expect(validate(schema, manifest)).toEqual([]);

		// A human-label filter on top: the estimate is for the rows before it, and says so.
		const labelled = writeExportFile({ datasetId: world.datasetId, filters: parseWhere([`judge-run=${world.runId}`, 'judge-valid', 'audited']), format: 'jsonl' }, path.join(dir, 'audited.jsonl'), {}, db).manifest;
		expect(labelled.judgeEstimate!.appliesToSelection).toBe(false);
		expect(labelled.judgeEstimate!.rate!).toBeCloseTo(tp / jy, 12);
		expect(labelled.judgeEstimate!.caveats.join(' ')).toMatch(/before its human-label filters \(audited\)/);

		// Refusals: judge-valid without a run; a run that does not exist.
		expect(() => parseWhere(['judge-valid'])).toThrow(/judge-run/);
		// Read by the web API too: in the filter's own words first, not the command line's flags.
		expect(() => parseWhere(['judge-valid'])).toThrow(/^judge-valid needs the judge run it means: add judge-run=<id> \(on the command line/);
		expect(() => countExport({ datasetId: world.datasetId, filters: parseWhere(['judge-run=999', 'judge-valid']) }, db)).toThrow(/no judge run 999/);

		// The CLI over the same functions: --judge-run / --judge-valid, the precision in --json.
		const cli = spawnSync(
			process.execPath,
			[CLI_ENTRY, 'export', String(world.datasetId), '--count', '--judge-run', String(world.runId), '--judge-valid', '--json'],
			{ env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 60_000 }
		);
		expect(cli.status, cli.stderr).toBe(0);
		const out = JSON.parse(cli.stdout);
		expect(out.instances).toBe(judgedValid.length);
		expect(out.where).toEqual([`judge-run=${world.runId}`, 'judge-valid']);
		expect(out.judgePrecision.precision).toBeCloseTo(tp / jy, 12);
		expect(out.judgePrecision.lower).toBeCloseTo(wilson.lower, 12);
		// The calibration is computed once per unchanged database, and again after a label changes.
		expect(countExport({ datasetId: world.datasetId, filters }, db).judgePrecision).toEqual(p);
		db.$client.prepare<[number]>('UPDATE audit_labels SET output_valid = 0 WHERE audit_id = ?').run(world.auditId);
		expect(countExport({ datasetId: world.datasetId, filters }, db).judgePrecision).toMatchObject({ judgedValid: jy, humanValid: 0, precision: 0 });
	}, 90_000);
});
