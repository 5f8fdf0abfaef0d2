import { test, expect } from '@playwright/test';
import { RESEARCHER, signIn, jsonl, gotoReady } from './helpers';

const seeds = [
	{ id: 'seed_task_0', name: 'breakfast', instruction: 'Suggest a breakfast without eggs.', instances: [{ input: '', output: 'Oatmeal with berries.' }], is_classification: false },
	{ id: 'seed_task_1', name: 'sentiment', instruction: 'Classify the sentiment of the review.', instances: [{ input: 'The soup was cold.', output: 'negative' }], is_classification: true },
	{ id: 'seed_task_2', name: 'haiku', instruction: 'Write a haiku about the ocean.', instances: [{ input: '', output: 'Grey waves fold and break' }], is_classification: false },
	{ id: 'seed_task_3', name: 'xss', instruction: 'Explain this markup: <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2">', instances: [{ input: '<b>bold</b>', output: 'It is HTML.' }], is_classification: false }
];

test('a researcher imports a file by upload and sees the summary and statistics', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await page.getByRole('link', { name: 'Datasets' }).click();
	await page.getByRole('link', { name: 'Import a file' }).first().click();
	await page.getByLabel('Dataset').fill('e2e seeds');
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'seed_tasks.jsonl', mimeType: 'application/json', buffer: Buffer.from(jsonl(seeds)) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	const summary = page.getByTestId('import-summary');
	await expect(summary).toBeVisible();
	await expect(summary.locator('[data-summary="tasks"]')).toHaveText('4');
	await expect(summary.locator('[data-summary="instances"]')).toHaveText('4');
	await summary.getByRole('link', { name: /Open e2e seeds/ }).click();

	const stats = page.getByTestId('dataset-stats');
	await expect(stats.locator('[data-stat="instructions"]')).toHaveText('4');
	await expect(stats.locator('[data-stat="classification"]')).toHaveText('1');
	await expect(stats.locator('[data-stat="nonClassification"]')).toHaveText('3');
	await expect(stats.locator('[data-stat="instances"]')).toHaveText('4');
	await expect(stats.locator('[data-stat="emptyInputInstances"]')).toHaveText('2');
});

test('a bad file is refused with its line and field, and nothing changes', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e seeds');
	const bad = jsonl([{ instruction: 'Fine', input: '', output: 'ok' }]) + '{"instruction": "x", "input": "", "output": 5}\n';
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'bad.jsonl', mimeType: 'application/json', buffer: Buffer.from(bad) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	const error = page.getByTestId('import-error');
	await expect(error).toContainText('bad.jsonl');
	await expect(error).toContainText('line 2');
	await expect(error).toContainText('output');
	await page.goto('/datasets');
	await expect(page.getByRole('row', { name: /e2e seeds/ })).toContainText('4');
});

test('search and filters narrow the task list; untrusted text stays text', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await page.goto('/datasets');
	await page.getByRole('link', { name: 'e2e seeds' }).click();
	await page.getByLabel('Search instructions, inputs, outputs and model responses').fill('ocean');
	await page.getByRole('button', { name: 'Apply' }).click();
	const table = page.getByTestId('task-table');
	await expect(table.locator('tbody tr')).toHaveCount(1);
	await expect(table).toContainText('Write a haiku about the ocean.');
	// Search reaches outputs too.
	await page.getByLabel('Search instructions, inputs, outputs and model responses').fill('oatmeal');
	await page.getByRole('button', { name: 'Apply' }).click();
	await expect(table.locator('tbody tr')).toHaveCount(1);
	await expect(table).toContainText('breakfast');
	await page.getByLabel('Search instructions, inputs, outputs and model responses').fill('');
	await page.getByLabel('Classification').selectOption('yes');
	await page.getByRole('button', { name: 'Apply' }).click();
	await expect(table.locator('tbody tr')).toHaveCount(1);
	await expect(table).toContainText('sentiment');

	await page.getByLabel('Classification').selectOption('');
	await page.getByLabel('Search instructions, inputs, outputs and model responses').fill('markup');
	await page.getByRole('button', { name: 'Apply' }).click();
	// Wait for the filtered list before opening its row (the previous list is still on screen
	// until the navigation lands).
	await expect(table.locator('tbody tr')).toHaveCount(1);
	await expect(table).toContainText('Explain this markup');
	await table.getByRole('link').first().click();
	await expect(page.locator('pre[aria-label="Instruction"]')).toContainText('<script>window.__pwned = 1</script>');
	await expect(page.locator('pre[aria-label="Input"]')).toHaveText('<b>bold</b>');
	expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
	expect(await page.locator('main img').count()).toBe(0);
});

test('a second file into the same dataset: duplicates skipped, new instances join their task, the server stays healthy', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e appended');
	const upload = async (name: string, rows: unknown[]) => {
		await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(jsonl(rows)) });
		await page.getByRole('button', { name: 'Import', exact: true }).click();
		const summary = page.getByTestId('import-summary');
		await expect(summary).toContainText(name);
		return summary;
	};
	const first = await upload('first.jsonl', [
		{ instruction: 'Name a fruit.', input: '', output: 'Apple.' },
		{ instruction: 'Name a colour.', input: '', output: 'Blue.' }
	]);
	await expect(first.locator('[data-summary="tasks"]')).toHaveText('2');
	await expect(first.locator('[data-summary="instances"]')).toHaveText('2');
	// Into the dataset that now exists: the import is staged, then written while the dataset is closed.
	const second = await upload('second.jsonl', [
		{ instruction: 'Name a fruit.', input: '', output: 'Apple.' },
		{ instruction: 'Name a fruit.', input: '', output: 'Pear.' },
		// The same row but for its spacing: its own task (spacing is content), not a duplicate.
		{ instruction: 'Name\u3000a  fruit.', input: '', output: 'Apple.' },
		{ instruction: 'Name a city.', input: '', output: 'Oslo.' }
	]);
	await expect(second.locator('[data-summary="tasks"]')).toHaveText('2');
	await expect(second.locator('[data-summary="instances"]')).toHaveText('3');
	await expect(second.locator('[data-summary="duplicates"]')).toHaveText('1');
	await expect(second).toContainText('Skipped duplicate instances');
	await expect(page.getByTestId('duplicates-rule')).toContainText('character for character');
	expect((await page.request.get('/healthz')).ok()).toBe(true);
	await second.getByRole('link', { name: /Open e2e appended/ }).click();
	const stats = page.getByTestId('dataset-stats');
	await expect(stats.locator('[data-stat="instructions"]')).toHaveText('4');
	await expect(stats.locator('[data-stat="instances"]')).toHaveText('5');
});
