/**
 * The filter report end to end: a dataset with known verdicts (kept, rejected by ROUGE-L with known
 * similarities, rejected by word count), an audit stratified by verdict with chosen sizes, labels
 * known per task, then every number of the filter report and the threshold sweep recomputed here
 * by hand — and `report <id> --filters --json` checked to print the same. Also: applying the
 * filters stores the highest similarity, and the review screen shows no verdict.
 */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { makeDataset, makeUsers } from './audit-fixtures';
import { createAudit, previewSample } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { applyFilters } from '../../src/lib/server/filters/apply';
import { ReportError, auditFilterReport, auditFilterReportOffThread, auditMethods, auditReport } from '../../src/lib/server/reports';
import { describeBasis } from '../../src/lib/reports/format';
import { methodsText } from '../../src/lib/reports';
import { filterPreset } from '../../src/lib/filters';
import { rougeL } from '../../src/lib/rouge/score';
import { SWEEP_THRESHOLDS } from '../../src/lib/reports';
import { CLI_ENTRY } from '../support/cli-bundle';
import { stratified, wilson } from '../support/expected-intervals';

const run = promisify(execFile);

let db: Db;
let file: string;
let cleanup: () => void;

beforeAll(() => {
	({ db, file, cleanup } = createTestDb());
});
afterAll(() => cleanup());

/**
 * 40 tasks "Instruction number i", one instance each:
 *  i 0–19 kept, highest ROUGE-L 0.3 (i < 8), 0.6 (8–13), 0.68 (14–19);
 *  i 20–29 rejected by ROUGE-L at 0.7, similarity 0.75 (20–24) or 0.85 (25–29);
 *  i 30–39 rejected by word count.
 * Labels: a kept row is fully valid unless i % 4 = 0; a ROUGE-L row when i is odd; a word-count row when i < 33.
 */
const rougeOf = (i: number) => (i < 8 ? 0.3 : i < 14 ? 0.6 : i < 20 ? 0.68 : i < 25 ? 0.75 : i < 30 ? 0.85 : null);
const stratumOf = (i: number) => (i < 20 ? 'kept' : i < 30 ? 'rejected:rougeL' : 'rejected:wordCount');
const validOf = (i: number) => (i < 20 ? i % 4 !== 0 : i < 30 ? i % 2 === 1 : i < 33);

describe('filter report', () => {
	let auditId: number;
	let sampled: Array<{ i: number; stratum: string }>;

	it('draws the chosen rows from each verdict stratum and shows the allocation', async () => {
		const datasetId = await makeDataset(db, 'filtered', 40, 1);
		// The filter application these verdicts stand for (self-instruct preset: ROUGE-L 0.7).
		db.$client
			.prepare('INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, ?, ?, ?)')
			.run(datasetId, JSON.stringify(filterPreset('self-instruct')), '{}', Date.now() - 60_000);
		const setTask = db.$client.prepare("UPDATE tasks SET filter_status = ?, filter_rule = ?, filter_rouge_l = ? WHERE dataset_id = ? AND source_id = ?");
		const setInstance = db.$client.prepare(
			"UPDATE instances SET filter_status = ?, filter_rule = ? WHERE task_id = (SELECT id FROM tasks WHERE dataset_id = ? AND source_id = ?)"
		);
		for (let i = 0; i < 40; i++) {
			const s = stratumOf(i);
			const rule = s === 'kept' ? null : s.slice('rejected:'.length);
			setTask.run(s === 'kept' ? 'kept' : 'rejected', rule, rougeOf(i), datasetId, `task_${i}`);
			setInstance.run(s === 'kept' ? 'kept' : 'rejected', s === 'kept' ? null : 'taskRejected', datasetId, `task_${i}`);
		}
		expect(previewSample(datasetId, { kind: 'quality' }, db).verdictStrata).toEqual([
			{ key: 'kept', label: 'Kept by the filters', population: 20 },
			{ key: 'rejected:wordCount', label: 'Rejected: Too short or too long', population: 10 },
			{ key: 'rejected:rougeL', label: 'Rejected: Too similar to the pool (ROUGE-L)', population: 10 }
		]);
		const [reviewer] = makeUsers(db, 1);
		expect(() =>
			createAudit({ datasetId, kind: 'quality', stratify: 'verdict', strataSizes: { rougeL: 11 }, seed: 3, reviewerIds: [reviewer.id] }, db)
		).toThrow(/from 0 to 10/);
		const audit = createAudit(
			{ datasetId, kind: 'quality', stratify: 'verdict', strataSizes: { kept: 12, rougeL: 10, wordCount: 5 }, seed: 3, reviewerIds: [reviewer.id] },
			db
		);
		auditId = audit.id;
		expect(audit.sampleSize).toBe(27);
		expect(audit.strata).toEqual([
			{ key: 'kept', population: 20, size: 12 },
			{ key: 'rejected:wordCount', population: 10, size: 5 },
			{ key: 'rejected:rougeL', population: 10, size: 10 }
		]);
		sampled = (
			db.$client
				.prepare('SELECT t.source_id AS source, i.stratum FROM audit_items i JOIN tasks t ON t.id = i.task_id WHERE i.audit_id = ? ORDER BY i.position')
				.all(auditId) as { source: string; stratum: string }[]
		).map((r) => ({ i: Number(r.source.slice(5)), stratum: r.stratum }));
		expect(sampled).toHaveLength(27);
		for (const s of sampled) expect(s.stratum).toBe(stratumOf(s.i));

		// Review every item; the screen never shows the verdict.
		const refs = new Set<string>();
		for (;;) {
			const next = nextAssignment(auditId, reviewer.id, {}, db);
			if (next.status !== 'assigned') break;
			const view = reviewItemView(auditId, reviewer.id, next.ref, db);
			const text = JSON.stringify(view);
			expect(text).not.toMatch(/filter|stratum|rougeL|rejected|kept/i);
			const i = Number(/Instruction number (\d+)/.exec(text)![1]);
			const valid = validOf(i);
			submitLabel(
				auditId,
				reviewer.id,
				{
					ref: next.ref,
					submissionId: randomUUID(),
					answer: { kind: 'quality', instruction: true, input: true, output: valid, reason: valid ? null : 'incorrect_output', comment: '' },
					activeMs: 1000
				},
				{},
				db
			);
			refs.add(next.ref);
		}
		expect(refs.size).toBe(27);
	});

	it('computes every number of the report and the sweep as by hand', async () => {
		const report = auditFilterReport(auditId, {}, db);
		// The report page's: the same, computed in the report thread.
		expect(await auditFilterReportOffThread(auditId, db)).toEqual(report);
		const inStratum = (key: string) => sampled.filter((s) => s.stratum === key);
		const tally = (key: string) => ({ n: inStratum(key).length, x: inStratum(key).filter((s) => validOf(s.i)).length });
		const kept = tally('kept');
		const rouge = tally('rejected:rougeL');
		const words = tally('rejected:wordCount');
		// The whole ROUGE-L stratum was drawn: 25, 27, 29, 21, 23 are the valid ones.
		expect(rouge).toEqual({ n: 10, x: 5 });
		expect(words.n).toBe(5);
		expect(kept.n).toBe(12);

		expect(report.population).toBe(40);
		expect(report.keptRows).toBe(20);
		expect(report.warning).toBeNull();
		const byKey = new Map(report.strata.map((s) => [s.key, s]));
		for (const [key, t, N] of [
			['kept', kept, 20],
			['rejected:rougeL', rouge, 10],
			['rejected:wordCount', words, 10]
		] as const) {
			const s = byKey.get(key)!;
			expect(s.population).toBe(N);
			expect(s.judged).toBe(t.n);
			expect(s.valid).toBe(t.x);
			expect(s.proportion).toBeCloseTo(t.x / t.n, 12);
			const [lo, hi] = wilson(t.x / t.n, t.n);
			expect(s.lower).toBeCloseTo(lo, 12);
			expect(s.upper).toBeCloseTo(hi, 12);
		}
		expect(report.kept?.proportion).toBeCloseTo(kept.x / kept.n, 12);

		for (const [rule, t, N] of [
			['rougeL', rouge, 10],
			['wordCount', words, 10]
		] as const) {
			const r = report.rules.find((x) => x.rule === rule)!;
			expect(r.wronglyRemoved).toBeCloseTo(t.x / t.n, 12);
			expect(r.ifOff.rows).toBe(20 + N);
			expect(r.ifOff.yieldShare).toBeCloseTo((20 + N) / 40, 12);
			const e = stratified([
				{ N: 20, n: kept.n, x: kept.x },
				{ N, n: t.n, x: t.x }
			]);
			expect(r.ifOff.correctness.proportion).toBeCloseTo(e.p, 12);
			expect(r.ifOff.correctness.lower).toBeCloseTo(e.lower, 12);
			expect(r.ifOff.correctness.upper).toBeCloseTo(e.upper, 12);
			expect(r.ifOff.validRows.estimate).toBeCloseTo((20 + N) * e.p, 9);
		}

		// The sweep: rows kept at t are the kept and ROUGE-L rows whose similarity is ≤ t.
		expect(report.sweep.available).toBe(true);
		expect(report.sweep.appliedThreshold).toBe(0.7);
		expect(report.sweep.points.map((p) => p.threshold)).toEqual([...SWEEP_THRESHOLDS]);
		for (const point of report.sweep.points) {
			const t = point.threshold;
			const keep = (i: number) => (stratumOf(i) === 'kept' || stratumOf(i) === 'rejected:rougeL') && (rougeOf(i) ?? 0) <= t;
			const all = Array.from({ length: 40 }, (_, i) => i).filter(keep);
			expect(point.rows, `rows at ${t}`).toBe(all.length);
			expect(point.instructions).toBe(all.length);
			expect(point.applied).toBe(t === 0.7);
			const strata = ['kept', 'rejected:rougeL'].map((key) => {
				const judged = sampled.filter((s) => s.stratum === key && keep(s.i));
				return { N: all.filter((i) => stratumOf(i) === key).length, n: judged.length, x: judged.filter((s) => validOf(s.i)).length };
			});
			expect(point.judged).toBe(strata[0].n + strata[1].n);
			if (strata.some((h) => h.N > 0 && h.n === 0)) {
				expect(point.correctness.proportion).toBeNull();
				continue;
			}
			const e = stratified(strata);
			expect(point.correctness.proportion, `correctness at ${t}`).toBeCloseTo(e.p, 12);
			expect(point.correctness.lower).toBeCloseTo(e.lower, 12);
			expect(point.correctness.upper).toBeCloseTo(e.upper, 12);
		}
		// At 0.7 the sweep keeps exactly the rows the filters kept, and estimates their rate alone.
		const at07 = report.sweep.points.find((p) => p.threshold === 0.7)!;
		expect(at07.rows).toBe(20);
		expect(at07.correctness.proportion).toBeCloseTo(kept.x / kept.n, 12);
		// At 0.9 every ROUGE-L row comes back: the same rows as "ROUGE-L off".
		const at09 = report.sweep.points.find((p) => p.threshold === 0.9)!;
		expect(at09.rows).toBe(30);
		expect(at09.correctness.proportion).toBeCloseTo(report.rules.find((r) => r.rule === 'rougeL')!.ifOff.correctness.proportion!, 12);

		// The CLI prints the same report.
		const { stdout } = await run(process.execPath, [CLI_ENTRY, 'report', String(auditId), '--filters', '--json'], {
			env: { ...process.env, DATABASE_PATH: file },
			timeout: 120_000
		});
		expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(report)));
	}, 180_000);

	it('says so when rows changed verdict stratum after the draw: the headline, like the filter report, weights the strata as drawn', async () => {
		expect(auditReport(auditId, {}, db).audit.stratumShift).toBeNull();
		// The filters applied again: two kept rows the sample did not draw are now rejected by ROUGE-L.
		const datasetId = db.$client.prepare('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId) as number;
		const moved = Array.from({ length: 20 }, (_, i) => i).filter((i) => !sampled.some((s) => s.i === i)).slice(0, 2);
		expect(moved).toHaveLength(2);
		for (const i of moved) {
			db.$client.prepare("UPDATE tasks SET filter_status = 'rejected', filter_rule = 'rougeL', filter_rouge_l = 0.72 WHERE dataset_id = ? AND source_id = ?").run(datasetId, `task_${i}`);
			db.$client.prepare("UPDATE instances SET filter_status = 'rejected', filter_rule = 'taskRejected' WHERE task_id = (SELECT id FROM tasks WHERE dataset_id = ? AND source_id = ?)").run(datasetId, `task_${i}`);
		}
		db.$client
			.prepare('INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, ?, ?, ?)')
			.run(datasetId, JSON.stringify(filterPreset('self-instruct')), '{}', Date.now());
		const report = auditReport(auditId, {}, db);
		expect(report.audit.stratumShift).toEqual({
			moved: 2,
			strata: [
				{ stratum: 'kept', label: 'Kept by the filters', drawn: 20, now: 18 },
				{ stratum: 'rejected:rougeL', label: 'Rejected: Too similar to the pool (ROUGE-L)', drawn: 10, now: 12 }
			]
		});
		const said =
			'at least 2 rows changed verdict stratum ("Kept by the filters" 20 → 18, "Rejected: Too similar to the pool (ROUGE-L)" 10 → 12): the headline weights the strata as they were when the sample was drawn, as the filter report does';
		expect(describeBasis(report)).toContain(said);
		expect(methodsText(auditMethods(report, db))).toContain(said);
		const { stdout } = await run(process.execPath, [CLI_ENTRY, 'report', String(auditId)], { env: { ...process.env, DATABASE_PATH: file }, timeout: 120_000 });
		expect(stdout).toContain(said);
		// The filter report keeps the strata as drawn.
		expect(auditFilterReport(auditId, {}, db).strata.find((s) => s.key === 'kept')!.population).toBe(20);
	}, 180_000);

	it('refuses a filter report for an audit not stratified by verdict', async () => {
		const datasetId = await makeDataset(db, 'plain', 5, 1);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 2, seed: 1, reviewerIds: [r.id] }, db);
		expect(() => auditFilterReport(audit.id, {}, db)).toThrow(/not stratified by filter verdict/);
		await expect(auditFilterReportOffThread(audit.id, db)).rejects.toThrow(ReportError);
		await expect(auditFilterReportOffThread(audit.id, db)).rejects.toMatchObject({ status: 409 });
	});

	it('stores each instruction’s highest ROUGE-L F when the filters are applied', async () => {
		const datasetId = await makeDataset(db, 'similar', 4, 1);
		const texts = (db.$client.prepare('SELECT id, instruction FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; instruction: string }[]);
		await applyFilters(datasetId, filterPreset('self-instruct'), null, db);
		const stored = db.$client.prepare('SELECT id, filter_status AS status, filter_rouge_l AS rouge FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId) as {
			id: number;
			status: string;
			rouge: number | null;
		}[];
		// "Instruction number i: do task i." — each kept one joins the pool; the next is judged against it.
		const pool: string[] = [];
		stored.forEach((row, k) => {
			const best = pool.length ? Math.max(...pool.map((p) => rougeL(p, texts[k].instruction).fmeasure)) : null;
			if (best !== null && best > 0.5) expect(row.rouge).toBeCloseTo(best, 12);
			else expect(row.rouge === null || row.rouge <= 0.5).toBe(true);
			if (row.status === 'kept') pool.push(texts[k].instruction);
		});
		expect(stored.some((r) => r.rouge !== null && r.rouge > 0.5)).toBe(true);
	});
});
