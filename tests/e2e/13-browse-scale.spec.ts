/**
 * Dataset browsing at scale, as an exploratory tester drove it: emoji cut whole in list rows and
 * counted as characters, searches with nothing searchable (or read differently than typed) said
 * so, a task's instances paged (by keyboard, and to the page of a linked instance), its verdicts
 * in words, and the way back to the list as it was.
 */
import { test, expect, type Page } from '@playwright/test';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { importFile } from '../../src/lib/server/datasets/import';
import { jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let researcher: Account;
let datasetId: number;
let manyId: number;
let emojiId: number;
let instanceIds: number[];

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Browse Scale');
	const rows = [
		...Array.from({ length: 250 }, (_, i) => ({ instruction: 'Add one to the number.', input: `${i}`, output: `${i + 1}` })),
		{ instruction: `Repeat ${'😀'.repeat(300)}`, input: '', output: '👍'.repeat(12_000) },
		...Array.from({ length: 60 }, (_, i) => ({ instruction: `Describe cherry number ${i}.`, input: '', output: 'Red.' }))
	];
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: `e2e browse scale ${Date.now()}`, fileName: 'scale.jsonl' }, db)).datasetId;
	const task = db.$client.prepare<[number, string], number>('SELECT id FROM tasks WHERE dataset_id = ? AND instruction LIKE ? ORDER BY id').pluck();
	manyId = task.get(datasetId, 'Add one%')!;
	emojiId = task.get(datasetId, 'Repeat%')!;
	instanceIds = db.$client.prepare<[number], number>('SELECT id FROM instances WHERE task_id = ? ORDER BY id').pluck().all(manyId);
	db.$client.prepare(`UPDATE tasks SET filter_status = 'rejected', filter_rule = 'rougeL', filter_detail = 'rougeL 0.93 vs "Summarize the text."' WHERE id = ?`).run(emojiId);
	db.$client.prepare("UPDATE instances SET filter_status = 'rejected', filter_rule = 'taskRejected' WHERE task_id = ?").run(emojiId);
});
test.afterAll(() => db?.$client.close());

const hydrated = (page: Page) => page.locator('body[data-hydrated]').waitFor({ state: 'attached' });

test('list rows cut emoji whole; searches with nothing searchable, or read differently than typed, say so', async ({ browser }) => {
	const page = await (await signedInContext(browser, researcher)).newPage();
	await page.goto(`/datasets/${datasetId}?q=repeat`);
	const link = page.getByTestId('task-table').getByRole('link', { name: /^Repeat/ });
	const text = (await link.textContent())!;
	expect(text).not.toContain('\ufffd');
	expect(text.endsWith('😀…')).toBe(true);
	await expect(page.getByTestId('task-table')).toContainText('rejected: Too similar to the pool (ROUGE-L)');

	await page.goto(`/datasets/${datasetId}?q=${encodeURIComponent('😀')}`);
	await expect(page.getByTestId('search-error')).toContainText('has no words to search for');
	await expect(page.getByTestId('no-results')).toHaveCount(0);

	await page.goto(`/datasets/${datasetId}?q=${encodeURIComponent('C++')}`);
	await expect(page.getByTestId('search-reading')).toContainText('Searched for: c*');
	await page.goto(`/datasets/${datasetId}?q=cherry`);
	await expect(page.getByTestId('search-reading')).toHaveCount(0);
});

test('a task opened from a searched, paged list leads back to the same place', async ({ browser }) => {
	const page = await (await signedInContext(browser, researcher)).newPage();
	await page.goto(`/datasets/${datasetId}?q=cherry&page=2`);
	await hydrated(page);
	await page.getByTestId('task-table').getByRole('link', { name: /cherry number 55/ }).click();
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Task');
	await page.getByRole('link', { name: 'Back to results' }).click();
	await expect(page).toHaveURL(new RegExp(`/datasets/${datasetId}\\?q=cherry&page=2$`));
	await expect(page.getByTestId('task-table')).toContainText('cherry number 55');
});

test('a task of 250 instances shows 100 a page, pages by keyboard, and a link to one instance opens its page', async ({ browser }) => {
	const page = await (await signedInContext(browser, researcher)).newPage();
	await page.goto(`/datasets/${datasetId}/tasks/${manyId}`);
	await hydrated(page);
	await expect(page.getByRole('heading', { name: 'Instances (250)' })).toBeVisible();
	await expect(page.locator('article.instance')).toHaveCount(100);
	await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText('250 instances · page 1 of 3');
	const next = page.getByRole('link', { name: 'Next' });
	await next.focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/page=2/);
	await expect(page.getByRole('article', { name: 'Instance 101', exact: true })).toBeVisible();
	await expect(page.locator('article.instance')).toHaveCount(100);

	const target = instanceIds[230];
	await page.goto(`/datasets/${datasetId}/tasks/${manyId}?instance=${target}#instance-${target}`);
	const article = page.locator(`#instance-${target}`);
	await expect(article).toHaveAttribute('aria-label', 'Instance 231');
	await expect(article).toBeInViewport();
	await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText('page 3 of 3');
});

test('a task page names verdicts in words and counts emoji as characters', async ({ browser }) => {
	const page = await (await signedInContext(browser, researcher)).newPage();
	await page.goto(`/datasets/${datasetId}/tasks/${emojiId}`);
	await expect(page.getByTestId('task-filter-rule')).toHaveText('Too similar to the pool (ROUGE-L)');
	const filters = page.locator('dd', { has: page.getByTestId('task-filter-rule') });
	await expect(filters).toContainText('Too similar to the pool (ROUGE-L): 0.93 vs "Summarize the text."');
	await expect(page.locator('body')).not.toContainText('rougeL rougeL');
	await expect(page.getByRole('article', { name: 'Instance 1', exact: true })).toContainText('rejected: Its instruction was rejected');
	await expect(page.getByTestId('clip-note')).toContainText('Showing the first 10,000 of 12,000 characters.');
});

test('the near-duplicate threshold is read one way: decimals below 1, every other spelling refused in words', async ({ browser }) => {
	const page = await (await signedInContext(browser, researcher)).newPage();
	for (const [raw, message] of [
		['1', 'is out of range (no two instructions score above 1)'],
		['0x1', 'is not a number written as a decimal'],
		['1e-1', 'is not a number written as a decimal']
	]) {
		await page.goto(`/datasets/${datasetId}/near-duplicates?threshold=${raw}`);
		await expect(page.getByTestId('near-duplicate-error')).toContainText(message);
		await expect(page.getByTestId('near-duplicate-summary')).toHaveCount(0);
	}
});

test('a phrase search that checked only its first rows says "At least", and Count all checks every row', async ({ browser }) => {
	// 5,100 rows hold both words; the phrase stands in the first 30 and the last 5. Page 1 checks 5,050.
	const rows = Array.from({ length: 5_100 }, (_, i) => ({ instruction: i < 30 || i >= 5_095 ? `Here is row ${i}.` : `Is it here, row ${i}?`, input: '', output: 'x' }));
	const phraseSet = (await importFile(streamOf(jsonl(rows)), { datasetName: `e2e phrase count ${Date.now()}`, fileName: 'phrase.jsonl' }, db)).datasetId;
	const page = await (await signedInContext(browser, researcher)).newPage();
	await page.goto(`/datasets/${phraseSet}?q=${encodeURIComponent('"here is"')}`);
	const pager = page.getByRole('navigation', { name: 'Pages' });
	await expect(pager).toContainText('At least 30 results · page 1');
	await expect(pager).not.toContainText('of 1');
	await expect(page.getByTestId('phrase-capped')).toContainText('the count is a lower bound');
	await pager.getByRole('link', { name: 'Count all' }).click();
	await expect(pager).toContainText('35 results · page 1 of 1');
	await expect(page.getByTestId('phrase-capped')).toHaveCount(0);
	await expect(page.getByTestId('task-table').locator('tbody tr')).toHaveCount(35);
});

test('a phrase search that found nothing in the rows it checked says so, not "No tasks match" or "At least 0"', async ({ browser }) => {
	// 5,060 rows hold both words; the phrase stands only in the last 5, past the 5,050 page 1 checks.
	const rows = Array.from({ length: 5_060 }, (_, i) => ({ instruction: i >= 5_055 ? `Here is row ${i}.` : `Is it here, row ${i}?`, input: '', output: 'x' }));
	const phraseSet = (await importFile(streamOf(jsonl(rows)), { datasetName: `e2e phrase late ${Date.now()}`, fileName: 'late.jsonl' }, db)).datasetId;
	const page = await (await signedInContext(browser, researcher)).newPage();
	await page.goto(`/datasets/${phraseSet}?q=${encodeURIComponent('"here is"')}`);
	const pager = page.getByRole('navigation', { name: 'Pages' });
	await expect(page.getByTestId('no-results')).toHaveText('No match among the rows checked; Count all checks the rest.');
	await expect(pager).toContainText('None found so far · page 1');
	await expect(pager).not.toContainText('At least 0');
	await pager.getByRole('link', { name: 'Count all' }).click();
	await expect(pager).toContainText('5 results · page 1 of 1');
	await expect(page.getByTestId('task-table').locator('tbody tr')).toHaveCount(5);
});
