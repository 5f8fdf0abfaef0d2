/**
 * A verdict-stratified audit drawn at different rates (6 of 30 kept rows, all 10 rejected ones):
 * `report --json`, the methods paragraph and the export manifest give one population rate — the
 * strata weighted by their rows — and `report --compare` refuses to pool it.
 */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { makeDataset, makeUsers } from './audit-fixtures';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { filterPreset } from '../../src/lib/filters';
import { headlineText } from '../../src/lib/reports';
import { CLI_ENTRY } from '../support/cli-bundle';

const run = promisify(execFile);

let db: Db;
let file: string;
let cleanup: () => void;
let dir: string;

beforeAll(() => {
	({ db, file, cleanup } = createTestDb());
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-stratified-'));
});
afterAll(() => {
	cleanup();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** Tasks 0–29 kept by the filters, 30–39 rejected by ROUGE-L. A kept row is fully valid when i is odd; a rejected one when i < 38. */
const keptRow = (i: number) => i < 30;
const validOf = (i: number) => (keptRow(i) ? i % 2 === 1 : i < 38);

async function cli(...args: string[]) {
	return run(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file }, timeout: 120_000 });
}

describe('a verdict-stratified audit drawn at different rates', () => {
	let auditId: number;
	let plainId: number;
	let labelled: number[];

	it('is drawn and labelled', async () => {
		const datasetId = await makeDataset(db, 'strata', 40, 1);
		db.$client
			.prepare('INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, ?, ?, ?)')
			.run(datasetId, JSON.stringify(filterPreset('self-instruct')), '{}', Date.now() - 60_000);
		const setTask = db.$client.prepare('UPDATE tasks SET filter_status = ?, filter_rule = ? WHERE dataset_id = ? AND source_id = ?');
		const setInstance = db.$client.prepare('UPDATE instances SET filter_status = ?, filter_rule = ? WHERE task_id = (SELECT id FROM tasks WHERE dataset_id = ? AND source_id = ?)');
		for (let i = 0; i < 40; i++) {
			setTask.run(keptRow(i) ? 'kept' : 'rejected', keptRow(i) ? null : 'rougeL', datasetId, `task_${i}`);
			setInstance.run(keptRow(i) ? 'kept' : 'rejected', keptRow(i) ? null : 'taskRejected', datasetId, `task_${i}`);
		}
		const [reviewer] = makeUsers(db, 1);
		auditId = createAudit({ datasetId, kind: 'quality', stratify: 'verdict', strataSizes: { kept: 6, rougeL: 10 }, seed: 5, name: 'by verdict', reviewerIds: [reviewer.id] }, db).id;
		plainId = createAudit({ datasetId, kind: 'quality', sampleSize: 5, seed: 5, name: 'plain', reviewerIds: [reviewer.id] }, db).id;
		labelled = [];
		for (const id of [auditId, plainId]) {
			for (;;) {
				const next = nextAssignment(id, reviewer.id, {}, db);
				if (next.status !== 'assigned') break;
				const i = Number(/Instruction number (\d+)/.exec(JSON.stringify(reviewItemView(id, reviewer.id, next.ref, db)))![1]);
				if (id === auditId) labelled.push(i);
				const valid = validOf(i);
				submitLabel(
					id,
					reviewer.id,
					{ ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: valid, reason: valid ? null : 'incorrect_output', comment: '' }, activeMs: 1000 },
					{},
					db
				);
			}
		}
		expect(labelled).toHaveLength(16);
	});

	it('gives the same weighted rate in report --json, the methods paragraph and the export manifest', async () => {
		const kept = labelled.filter(keptRow);
		const rejected = labelled.filter((i) => !keptRow(i));
		expect([kept.length, rejected.length]).toEqual([6, 10]);
		const rate = (list: number[]) => list.filter(validOf).length / list.length;
		// Σ W_h p_h with W = (30, 10)/40; the pooled sample would give each stratum its sample's share.
		const weighted = 0.75 * rate(kept) + 0.25 * rate(rejected);
		const pooled = labelled.filter(validOf).length / labelled.length;
		expect(Math.abs(weighted - pooled)).toBeGreaterThan(0.05);

		const report = JSON.parse((await cli('report', String(auditId), '--json')).stdout);
		const allValid = report.quality.groups[0].rates.find((r: { key: string }) => r.key === 'allValid');
		expect(allValid.headline).toMatchObject({ estimator: 'majority', weighted: true, n: 16 });
		expect(allValid.headline.proportion).toBeCloseTo(weighted, 12);
		expect(allValid.majority.low.proportion).toBeCloseTo(pooled, 12);
		expect(allValid.weighted.strata.map((h: { stratum: string; rows: number; items: number }) => [h.stratum, h.rows, h.items])).toEqual([
			['kept', 30, 6],
			['rejected:rougeL', 10, 10]
		]);

		const out = path.join(dir, 'audit.jsonl');
		const manifest = JSON.parse((await cli('export', 'strata', '--format', 'jsonl', '--where', `audit=${auditId}`, '--out', out, '--json')).stdout);
		const population = manifest.quality.population;
		expect(population.estimatorName).toMatch(/weighted by verdict stratum/);
		for (const key of ['rate', 'low', 'high', 'lower', 'upper'] as const) expect(allValid.headline[key === 'rate' ? 'proportion' : key]).toBeCloseTo(population[key], 12);

		const methods = (await cli('report', String(auditId), '--methods')).stdout;
		expect(methods).toContain(`all three fields were judged valid for ${headlineText(allValid.headline)} of the population`);
		const text = (await cli('report', String(auditId))).stdout;
		expect(text).toContain(headlineText(allValid.headline));
		expect(text).toContain("weighted by the strata's sizes in the dataset");
		expect(text).not.toContain('pool them without weights');
	});

	it('is refused by report --compare, with the reason', async () => {
		const refused = await cli('report', String(auditId), '--compare', String(plainId)).then(
			() => null,
			(err: { code: number; stderr: string }) => err
		);
		expect(refused?.code).not.toBe(0);
		expect(refused?.stderr).toMatch(/"by verdict" drew its strata by the filters' verdict at different rates/);
	});

	it('weights the strata as drawn once the filters moved sampled rows: a rejected item now kept still stands for its drawn stratum', async () => {
		const kept = labelled.filter(keptRow);
		const rejected = labelled.filter((i) => !keptRow(i));
		const rate = (list: number[]) => list.filter(validOf).length / list.length;
		const before = JSON.parse((await cli('report', String(auditId), '--json')).stdout).quality.groups[0].rates.find((r: { key: string }) => r.key === 'allValid');
		expect(before.headline.proportion).toBeCloseTo(0.75 * rate(kept) + 0.25 * rate(rejected), 12);

		// The filters applied again: four sampled rejected rows (30–33, all valid) are now kept.
		const datasetId = db.$client.prepare('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId) as number;
		const moved = [30, 31, 32, 33];
		for (const i of moved) {
			expect(rejected).toContain(i);
			db.$client.prepare("UPDATE tasks SET filter_status = 'kept', filter_rule = NULL WHERE dataset_id = ? AND source_id = ?").run(datasetId, `task_${i}`);
			db.$client.prepare("UPDATE instances SET filter_status = 'kept', filter_rule = NULL WHERE task_id = (SELECT id FROM tasks WHERE dataset_id = ? AND source_id = ?)").run(datasetId, `task_${i}`);
		}
		db.$client.prepare('INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, ?, ?, ?)').run(datasetId, JSON.stringify(filterPreset('self-instruct')), '{}', Date.now());

		// The frame's rows did not change, only their verdicts: the headline weights the strata as drawn (30 and 10 rows),
		// not as they are now (34 and 6), which would give the 10 rejected items 6/40 of the weight.
		const report = JSON.parse((await cli('report', String(auditId), '--json')).stdout);
		const allValid = report.quality.groups[0].rates.find((r: { key: string }) => r.key === 'allValid');
		expect(allValid.headline.proportion).toBeCloseTo(before.headline.proportion, 12);
		expect(allValid.headline.lower).toBeCloseTo(before.headline.lower, 12);
		expect(allValid.weighted.strata.map((h: { stratum: string; rows: number; items: number }) => [h.stratum, h.rows, h.items])).toEqual([
			['kept', 30, 6],
			['rejected:rougeL', 10, 10]
		]);
		expect(report.audit.stratumShift).toMatchObject({ moved: 4 });
		const text = (await cli('report', String(auditId))).stdout;
		expect(text).toContain('the headline weights the strata as they were when the sample was drawn, as the filter report does');

		// The whole frame exported: the report's figure.
		const all = JSON.parse((await cli('export', 'strata', '--format', 'jsonl', '--where', `audit=${auditId}`, '--out', path.join(dir, 'moved-all.jsonl'), '--json')).stdout);
		for (const key of ['rate', 'low', 'high', 'lower', 'upper'] as const) expect(all.quality.population[key]).toBeCloseTo(allValid.headline[key === 'rate' ? 'proportion' : key], 12);

		// The rows kept now: the kept stratum's 30 rows (all 6 of its items still kept) and the rejected stratum's rows
		// estimated from its items, 10 × 4/10 = 4. Pooling the 4 moved items with the kept stratum's 6 would weigh them as 4 of 10.
		const now = JSON.parse(
			(await cli('export', 'strata', '--format', 'jsonl', '--where', `audit=${auditId}`, '--where', 'kept', '--out', path.join(dir, 'moved-kept.jsonl'), '--json')).stdout
		);
		const population = now.quality.population;
		expect(population.strata.map((h: { stratum: string; rows: number; items: number }) => [h.stratum, h.rows, h.items])).toEqual([
			['kept', 30, 6],
			['rejected:rougeL', 4, 4]
		]);
		expect(population.strata[1].estimatedFrom).toEqual({ stratumRows: 10, drawn: 10, inGroup: 4 });
		expect(population.rate).toBeCloseTo((30 * rate(kept) + 4 * rate(moved)) / 34, 12);
		expect(Math.abs(population.rate - rate([...kept, ...moved]))).toBeGreaterThan(0.05);
		expect(population.method).toContain('about 4 rows (10 when drawn × 4 of its 10 drawn items)');
		expect(population.method).toContain('the filters moved rows between strata after the sample was drawn');
	});
});
