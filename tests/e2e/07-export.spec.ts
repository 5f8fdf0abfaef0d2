import fs from 'node:fs';
import { test, expect } from '@playwright/test';
import { RESEARCHER, REVIEWER, signIn, signOut, jsonl, gotoReady } from './helpers';

// A dataset of its own, so other specs adding rows elsewhere never change these counts.
const rows = [
	{ instruction: 'Classify the sentiment.', input: 'I loved it, "truly".', output: 'positive', is_classification: true },
	{ instruction: 'Classify the sentiment.', input: 'Cold soup.', output: 'negative', is_classification: true },
	{ instruction: 'Write a haiku about the sea 🌊.', input: '', output: 'Grey waves fold,\nfoam writes on sand —\ngone 海', is_classification: false },
	{ instruction: 'Translate to French.', input: 'good morning', output: 'bonjour' },
	{ instruction: 'Summarise, in one line.', input: 'A long text, with commas.', output: 'Short.' }
];

test('a researcher sets filters, sees the live count, and downloads the export and its manifest', async ({ page }) => {
	await signIn(page, RESEARCHER);
	const imported = await page.request.post(`/api/datasets/import?dataset=${encodeURIComponent('e2e export')}&fileName=export-src.jsonl`, {
		data: jsonl(rows),
		headers: { 'content-type': 'application/octet-stream' }
	});
	expect(imported.status()).toBe(200);

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Export' }).click();
	await expect(page.getByRole('heading', { name: 'Export a clean subset' })).toBeVisible();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Dataset').selectOption({ label: 'e2e export (5 instances)' });
	const count = page.getByTestId('export-count');
	await expect(count.locator('[data-count="rows"]')).toHaveText('5');
	// No rating audit of this dataset: no A–D filter that could only match nothing.
	await expect(page.getByLabel('Rating at least')).toHaveCount(0);

	// The count follows the filters as they change (each step changes the number).
	await page.getByLabel('Classification').selectOption('yes');
	await expect(count.locator('[data-count="rows"]')).toHaveText('2');
	await page.getByLabel('Classification').selectOption('no');
	await expect(count.locator('[data-count="rows"]')).toHaveText('1');
	await page.getByLabel('Classification').selectOption('');
	await page.getByLabel('Input', { exact: true }).selectOption('nonempty');
	await expect(count.locator('[data-count="rows"]')).toHaveText('4');
	await page.getByLabel('Classification').selectOption('unknown');
	await expect(count.locator('[data-count="rows"]')).toHaveText('2');
	await expect(count).toContainText('2 of 5 instances from 2 tasks');
	await expect(page.getByTestId('cli-command')).toContainText("export 'e2e export' --format jsonl --where classification=unknown --where input=nonempty");

	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export', exact: true }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toBe('e2e-export.jsonl');
	const lines = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
	expect(lines).toEqual([
		{ instruction: 'Translate to French.', input: 'good morning', output: 'bonjour' },
		{ instruction: 'Summarise, in one line.', input: 'A long text, with commas.', output: 'Short.' }
	]);
	await expect(page.getByTestId('export-progress')).toContainText('Saved e2e-export.jsonl');

	// The manifest of exactly that file.
	const manifestDownload = page.waitForEvent('download');
	await page.getByTestId('export-progress').getByRole('link', { name: 'Its manifest' }).click();
	const manifestFile = await manifestDownload;
	expect(manifestFile.suggestedFilename()).toBe('e2e-export.jsonl.manifest.json');
	const manifest = JSON.parse(fs.readFileSync((await manifestFile.path())!, 'utf8'));
	expect(manifest).toMatchObject({
		kind: 'instruct-audit-export',
		dataset: { name: 'e2e export', instances: 5 },
		file: { name: 'e2e-export.jsonl', format: 'jsonl', rows: 2 },
		counts: { rows: 2, instances: 2, tasks: 2, excludedInstances: 3 },
		quality: null
	});
	expect(manifest.filters.map((f: { where: string }) => f.where)).toEqual(['classification=unknown', 'input=nonempty']);
	expect(manifest.sources.imports[0].fileName).toBe('export-src.jsonl');

	// CSV of everything, by the direct link: quoted commas, quotes and line breaks.
	await page.getByLabel('Classification').selectOption('');
	await page.getByLabel('Input', { exact: true }).selectOption('');
	await page.getByLabel('Format').selectOption('csv');
	await expect(count.locator('[data-count="rows"]')).toHaveText('5');
	const href = await page.getByRole('link', { name: 'download directly' }).getAttribute('href');
	const response = await page.request.get(href!);
	expect(response.headers()['content-disposition']).toContain('filename="e2e-export.csv"');
	expect(response.headers()['x-export-rows']).toBe('5');
	const csv = await response.text();
	expect(csv.startsWith('instruction,input,output\r\n')).toBe(true);
	expect(csv).toContain('Classify the sentiment.,"I loved it, ""truly"".",positive\r\n');
	expect(csv).toContain('"Grey waves fold,\nfoam writes on sand —\ngone 海"');

	// No filter run has seen this dataset: "kept" is every row, and the page says so.
	await page.locator('#kept').selectOption('yes');
	await expect(count.locator('[data-count="rows"]')).toHaveText('5');
	await expect(page.getByTestId('export-never-filtered')).toHaveText('No automatic filter has been run on this dataset; kept is every row.');
});

test('the imported rows\' other fields: the page says how many rows carry them and writes them back when asked', async ({ page }) => {
	await signIn(page, RESEARCHER);
	const extras = [
		{ id: 'x1', instruction: 'Name a river.', input: '', output: 'Loire', source: 'wiki', meta: { a: [1, 2] } },
		{ instruction: 'Name a lake.', input: '', output: 'Léman' }
	];
	const imported = await page.request.post(`/api/datasets/import?dataset=${encodeURIComponent('e2e export extras')}&fileName=extras.jsonl`, {
		data: jsonl(extras),
		headers: { 'content-type': 'application/octet-stream' }
	});
	expect(imported.status()).toBe(200);
	await gotoReady(page, '/exports');
	await page.getByLabel('Dataset').selectOption({ label: 'e2e export extras (2 instances)' });
	const count = page.getByTestId('export-count');
	await expect(count.locator('[data-count="rows"]')).toHaveText('2');
	const note = page.getByTestId('export-imported-fields');
	await expect(note).toContainText('1 row carries fields of its imported row (an id, other fields) that this file will not hold');
	await page.getByLabel("Write each row's imported fields back").check();
	await expect(note).toHaveCount(0);
	await expect(page.getByTestId('cli-command')).toContainText('--format jsonl --imported-fields');
	const href = await page.getByRole('link', { name: 'download directly' }).getAttribute('href');
	const lines = (await (await page.request.get(href!)).text()).trim().split('\n').map((l) => JSON.parse(l));
	expect(lines).toEqual([{ instruction: 'Name a river.', input: '', output: 'Loire', id: 'x1', source: 'wiki', meta: { a: [1, 2] } }, { instruction: 'Name a lake.', input: '', output: 'Léman' }]);
	// CSV cannot hold them: no such choice, and the note is back.
	await page.getByLabel('Format').selectOption('csv');
	await expect(page.getByLabel("Write each row's imported fields back")).toHaveCount(0);
	await expect(note).toBeVisible();
});

test('a filter the data cannot satisfy says so, and reviewers cannot export', async ({ page }) => {
	await signIn(page, RESEARCHER);
	const bad = await page.request.get('/api/exports/count?dataset=1&where=rating=B');
	expect(bad.status()).toBe(400);
	expect((await bad.json()).message).toContain('--responses');
	await signOut(page);

	await signIn(page, REVIEWER);
	expect((await page.request.get('/api/exports/count?dataset=1')).status()).toBe(403);
	expect((await page.request.get('/api/exports/download?dataset=1&format=jsonl')).status()).toBe(403);
	const response = await page.goto('/exports');
	expect(response?.status()).toBe(403);
	await gotoReady(page, '/');
});
