/**
 * The filter report in the browser: a dataset with known verdicts and an audit stratified by
 * verdict with known labels are written into the served app's database (numbers worked out in
 * tests/integration/filter-report.test.ts), then a researcher sees the allocation on the new-audit
 * page, reads the filter report and the ROUGE-L sweep chart at desktop and phone width, and a
 * reviewer's screen shows nothing of the verdict.
 */
import { test, expect } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { openE2eDatabase, makeAccount, signedInContext, type Account } from '../support/e2e-world';
import { jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { filterPreset } from '../../src/lib/filters';
import type { Db } from '../../src/lib/server/db';

const rougeOf = (i: number) => (i < 8 ? 0.3 : i < 14 ? 0.6 : i < 20 ? 0.68 : i < 25 ? 0.75 : i < 30 ? 0.85 : null);
const stratumOf = (i: number) => (i < 20 ? 'kept' : i < 30 ? 'rejected:rougeL' : 'rejected:wordCount');
const validOf = (i: number) => (i < 20 ? i % 4 !== 0 : i < 30 ? i % 2 === 1 : i < 33);

let db: Db;
let researcher: Account;
let reviewer: Account;
let datasetId: number;
let datasetName: string;
let auditId: number;
let blindAuditId: number;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Filter Researcher');
	reviewer = await makeAccount(db, 'reviewer', 'Filter Reviewer');
	datasetName = `e2e filters ${randomUUID().slice(0, 6)}`;
	const rows = Array.from({ length: 40 }, (_, i) => ({
		id: `task_${i}`,
		name: `t${i}`,
		instruction: `Instruction number ${i}: do task ${i}.`,
		instances: [{ input: `input ${i}`, output: `output ${i}` }],
		is_classification: false
	}));
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName, fileName: 'tasks.jsonl' }, db)).datasetId;
	db.$client
		.prepare('INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, ?, ?, ?)')
		.run(datasetId, JSON.stringify(filterPreset('self-instruct')), '{}', Date.now() - 60_000);
	for (let i = 0; i < 40; i++) {
		const s = stratumOf(i);
		const rule = s === 'kept' ? null : s.slice('rejected:'.length);
		db.$client
			.prepare('UPDATE tasks SET filter_status = ?, filter_rule = ?, filter_rouge_l = ? WHERE dataset_id = ? AND source_id = ?')
			.run(s === 'kept' ? 'kept' : 'rejected', rule, rougeOf(i), datasetId, `task_${i}`);
		db.$client
			.prepare('UPDATE instances SET filter_status = ?, filter_rule = ? WHERE task_id = (SELECT id FROM tasks WHERE dataset_id = ? AND source_id = ?)')
			.run(s === 'kept' ? 'kept' : 'rejected', s === 'kept' ? null : 'taskRejected', datasetId, `task_${i}`);
	}
	const labeller = await makeAccount(db, 'reviewer', 'Filter Labeller');
	const audit = createAudit(
		{ datasetId, kind: 'quality', name: 'E2E filter audit', stratify: 'verdict', strataSizes: { kept: 12, rougeL: 10, wordCount: 5 }, seed: 3, reviewerIds: [labeller.id] },
		db
	);
	auditId = audit.id;
	for (;;) {
		const next = nextAssignment(auditId, labeller.id, {}, db);
		if (next.status !== 'assigned') break;
		const row = db.$client
			.prepare('SELECT t.source_id AS source FROM audit_items i JOIN tasks t ON t.id = i.task_id WHERE i.ref = ?')
			.get(next.ref) as { source: string };
		const valid = validOf(Number(row.source.slice(5)));
		submitLabel(
			auditId,
			labeller.id,
			{ ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: valid, reason: valid ? null : 'incorrect_output', comment: '' }, activeMs: 1000 },
			{},
			db
		);
	}
	blindAuditId = createAudit(
		{ datasetId, kind: 'quality', name: 'E2E blind review', stratify: 'verdict', strataSizes: { kept: 2, rougeL: 2, wordCount: 2 }, seed: 5, reviewerIds: [reviewer.id] },
		db
	).id;
});

test('the new-audit page shows the verdict strata with their rows and the allocation', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/audits/new?dataset=${datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel(/By filter verdict/).check();
	const table = page.getByTestId('verdict-allocation');
	await expect(table).toBeVisible();
	await expect(table.getByRole('row', { name: /Kept by the filters/ })).toContainText('20');
	await expect(table.getByRole('row', { name: /ROUGE-L/ })).toContainText('10');
	await page.getByLabel('Rows to draw: Kept by the filters').fill('15');
	// 15 kept + 10 (all) ROUGE-L + 10 (all) word count by default (30 each, capped at the rows).
	await expect(page.locator('#verdict-total')).toHaveText('35');
	await page.screenshot({ path: '/tmp/filt-new-audit.png', fullPage: true });
	// Nothing to draw: the refusal is every size field's accessible description.
	for (const size of await page.locator('input[name="stratumSize"]').all()) await size.fill('0');
	await page.getByRole('button', { name: 'Create audit' }).click();
	const kept = page.getByLabel('Rows to draw: Kept by the filters');
	await expect(kept).toHaveAccessibleDescription(/Choose how many rows to draw from at least one stratum/);
	await expect(kept).toHaveAttribute('aria-invalid', 'true');
	await context.close();
});

test('the filter report and the sweep chart, at desktop and phone width', async ({ browser }) => {
	for (const [width, name] of [
		[1280, 'desktop'],
		[390, 'phone']
	] as const) {
		const context = await signedInContext(browser, researcher, { width, height: 900 });
		const page = await context.newPage();
		await page.goto(`/reports/${auditId}#filters`);
		const section = page.getByTestId('filter-report');
		await expect(section).toBeVisible();
		// The ROUGE-L stratum was drawn whole: 5 of its 10 rows are fully valid (tests/integration/filter-report.test.ts).
		await expect(section.getByTestId('filter-strata').locator('tr[data-stratum="rejected:rougeL"] [data-cell="valid"]')).toHaveText('5 (50.0%)');
		await expect(section.getByTestId('filter-rules').locator('tr[data-rule="rougeL"] [data-cell="wrongly-removed"]')).toContainText('50.0%');
		// The quality rates over all tasks weight the strata by their rows, each stratum's own rate beside them.
		await expect(page.getByTestId('estimator-table').locator('tr[data-rate="allValid"] [data-cell="headline"]')).toContainText('weighted by stratum');
		await expect(page.getByTestId('weighted-strata').locator('tr[data-stratum="rejected:rougeL"] [data-rate="allValid"]')).toContainText('50.0%');
		const sweep = section.getByTestId('sweep-table');
		await expect(sweep.locator('tbody tr')).toHaveCount(9);
		await expect(sweep.locator('tr[data-threshold="0.7"]')).toContainText('(applied)');
		await expect(sweep.locator('tr[data-threshold="0.7"] td').first()).toHaveText('20');
		await expect(sweep.locator('tr[data-threshold="0.9"] td').first()).toHaveText('30');
		await expect(sweep.locator('tr[data-threshold="0.5"] td').first()).toHaveText('8');
		const chart = section.getByTestId('sweep-chart');
		await expect(chart.locator('rect.bar')).toHaveCount(9);
		await expect(chart.locator('circle.dot').first()).toBeVisible();
		if (name === 'desktop') {
			// The sweep chart as a file: the SVG parses and carries each threshold's rows kept.
			const files = section.getByTestId('figure-rouge-sweep');
			const [download] = await Promise.all([page.waitForEvent('download'), files.getByRole('link', { name: /^SVG/ }).click()]);
			expect(download.suggestedFilename()).toBe(`audit-${auditId}-rouge-sweep.svg`);
			const svg = fs.readFileSync((await download.path())!, 'utf8');
			new Resvg(svg);
			for (const [t, rows] of [['0.5', 8], ['0.7 (applied)', 20], ['0.9', 30]] as const) expect(svg).toContain(`ROUGE-L ≤ ${t}: ${rows} rows kept`);
		}
		// Nothing sticks out sideways at 390 px except inside the scrolling tables.
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		expect(overflow).toBeLessThanOrEqual(1);
		await section.screenshot({ path: `/tmp/filt-report-${name}.png` });
		await context.close();
	}
});

test('the reviewer sees no filter verdict on the review screen', async ({ browser }) => {
	const context = await signedInContext(browser, reviewer);
	const page = await context.newPage();
	await page.goto(`/review/${blindAuditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	const text = (await page.locator('main').innerText()).toLowerCase();
	for (const word of ['rejected', 'kept', 'rouge', 'stratum', 'filter']) expect(text, word).not.toContain(word);
	await context.close();
});

test('the export page says how many selected rows the automatic filters rejected, until "kept" leaves them out', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto('/exports');
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Dataset').selectOption({ label: `${datasetName} (40 instances)` });
	const count = page.getByTestId('export-count');
	await expect(count.locator('[data-count="rows"]')).toHaveText('40');
	await expect(page.getByTestId('export-rejected')).toContainText('Includes 20 instances the automatic filters rejected');
	await page.getByLabel('Automatic filters').selectOption('yes');
	await expect(count.locator('[data-count="rows"]')).toHaveText('20');
	await expect(page.getByTestId('export-rejected')).toHaveCount(0);
	await context.close();
});
