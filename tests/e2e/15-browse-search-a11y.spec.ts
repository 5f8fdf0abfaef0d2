/**
 * Browsing a dataset: a pair's B side found by search and marked where found (word starts, accents
 * folded), a pairs task's headings in order and no SuperNI download, counts formatted, the task
 * table stacked on a phone, and the endpoints table's header cells scoped.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 740 };

let db: Db;
test.beforeAll(() => {
	db = openE2eDatabase();
});
test.afterAll(() => db?.$client.close());

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}

async function open(browser: Browser, who: Account, url: string, viewport = DESKTOP): Promise<Page> {
	const context = await signedInContext(browser, who, viewport);
	const page = await context.newPage();
	await page.goto(url);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	return page;
}

test('a pairs dataset is found by its B side, marked where found; its task page has ordered headings and no SuperNI download', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const rows = [
		{ user_input: `Describe a naïve quartet start and its art (${tag}).`, completion_a: 'A answer one about art.', completion_b: 'B answer one.' },
		{ user_input: `Name a café (${tag}).`, completion_a: 'A answer two.', completion_b: 'B answer two.' }
	];
	const { datasetId } = await importFile(once(JSON.stringify(rows)), { datasetName: `pairs ${tag}`, fileName: 'comparision_data.json' }, db);
	const researcher = await makeAccount(db, 'researcher', 'Browse researcher');
	const page = await open(browser, researcher, `/datasets/${datasetId}?q=${encodeURIComponent('"B answer"')}`);
	const table = page.getByTestId('task-table');
	await expect(table.locator('tbody tr')).toHaveCount(2);
	await expect(page.getByLabel('Search instructions, inputs, outputs and model responses')).toBeVisible();

	// Marked where the search finds: "naive" marks "naïve"; "art" no letters inside "quartet" or "start".
	await page.goto(`/datasets/${datasetId}?q=naive`);
	await expect(table.locator('mark')).toHaveText(['naïve']);
	await page.goto(`/datasets/${datasetId}?q=art`);
	await expect(table.locator('tbody tr')).toHaveCount(1);
	// The instruction's "art" and the first instance's (completion_a, the pair's instance output).
	await expect(table.locator('mark')).toHaveText(['art', 'art']);

	const taskId = Number(db.$client.prepare('SELECT id FROM tasks WHERE dataset_id = ? ORDER BY id LIMIT 1').pluck().get(datasetId));
	await page.goto(`/datasets/${datasetId}/tasks/${taskId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const levels = await page.locator('.page').locator('h1, h2, h3, h4').evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
	expect(levels.length).toBeGreaterThan(4);
	for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1], `heading ${i + 1} of ${levels.join(',')}`).toBeLessThanOrEqual(1);
	await expect(page.getByRole('heading', { name: 'Pair 1', level: 3 })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Download as a SuperNI task file' })).toHaveCount(0);
});

test('the task table counts with thousands separators and stacks on a phone, nothing cut off', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const task = { id: `t-${tag}`, instruction: `Repeat the word (${tag}).`, instances: Array.from({ length: 1200 }, (_, i) => ({ input: `word ${i} supercalifragilisticexpialidocious-and-more`, output: `word ${i}` })) };
	const { datasetId } = await importFile(once(JSON.stringify(task) + '\n'), { datasetName: `big task ${tag}`, fileName: 'tasks.jsonl' }, db);
	const researcher = await makeAccount(db, 'researcher', 'Phone researcher');
	const page = await open(browser, researcher, `/datasets/${datasetId}`, PHONE);
	const table = page.getByTestId('task-table');
	await expect(table.locator('tbody td[data-label="Instances"]')).toHaveText('1,200');
	// Stacked: the table is no wider than its box (no sideways scroll), and no wider than the screen.
	const widths = await table.evaluate((t) => ({ table: t.scrollWidth, box: t.parentElement!.clientWidth, page: document.documentElement.scrollWidth }));
	expect(widths.table).toBeLessThanOrEqual(widths.box);
	expect(widths.page).toBeLessThanOrEqual(PHONE.width);
	await page.screenshot({ path: test.info().outputPath('task-table-360.png'), fullPage: true });
});

test('the endpoints table says what each header cell heads', async ({ browser }) => {
	const admin = await makeAccount(db, 'admin', 'Endpoints admin');
	const page = await open(browser, admin, '/admin/endpoints');
	const headers = page.locator('table thead th');
	await expect(headers).toHaveCount(8);
	expect(await headers.evaluateAll((hs) => hs.map((h) => h.getAttribute('scope')))).toEqual(Array(8).fill('col'));
});

test('an audit stratified by classification where no task says its classification says it is a simple random sample', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const rows = Array.from({ length: 8 }, (_, i) => ({ instruction: `Say ${i} (${tag}).`, input: '', output: `${i}` }));
	const { datasetId } = await importFile(once(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'), { datasetName: `unknown ${tag}`, fileName: 'rows.jsonl' }, db);
	const reviewer = await makeAccount(db, 'reviewer', 'Strata reviewer');
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 4, seed: 1, stratify: 'classification', reviewerIds: [reviewer.id] }, db);
	const researcher = await makeAccount(db, 'researcher', 'Strata researcher');
	const page = await open(browser, researcher, `/audits/${audit.id}`);
	await expect(page.getByTestId('one-stratum-note')).toContainText('every item is in the one stratum "unknown", so the sample is a simple random sample');
	await expect(page.getByText('by classification, but all in one stratum (a simple random sample)')).toBeVisible();
});
