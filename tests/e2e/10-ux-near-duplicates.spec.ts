/**
 * #15 defect 9: near-duplicate groups say how many pairs they hold and page them; a stricter
 * grouping (each member within the threshold of the group's centre) splits chains that connected
 * components join; an invalid threshold in the URL is an error message, not a silent 0.7.
 */
import { test, expect } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let researcher: Account;
let datasetId: number;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Deduper');
	// A chain of 40: each instruction shares five of its six words with the next (ROUGE-L F 0.83)
	// and four with the one after (0.67), so at 0.6 a chain links all 40 through 77 pairs; and 15
	// copies that differ only in a number (F 0.89 with each other: 105 pairs).
	const chain = Array.from({ length: 40 }, (_, k) => Array.from({ length: 6 }, (_, j) => `w${k + j}`).join(' '));
	const copies = Array.from({ length: 15 }, (_, k) => `Translate this short sentence into French for me ${k + 1}`);
	const rows = [...chain, ...copies].map((instruction) => JSON.stringify({ instruction, input: '', output: 'x' })).join('\n') + '\n';
	const summary = await importFile(
		(async function* () {
			yield new TextEncoder().encode(rows);
		})(),
		{ datasetName: `e2e near-duplicates ${Date.now()}`, fileName: 'near.jsonl' },
		db
	);
	datasetId = summary.datasetId;
});
test.afterAll(() => db?.$client.close());

test('pair counts, pairs paged within a group, centre grouping, and a bad threshold said so', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	const base = `/datasets/${datasetId}/near-duplicates`;

	for (const [bad, message] of [
		['abc', 'is not a number'],
		['0.1', 'out of range']
	]) {
		await page.goto(`${base}?threshold=${bad}`);
		await expect(page.getByTestId('near-duplicate-error')).toContainText(message);
		await expect(page.getByTestId('near-duplicate-summary')).toHaveCount(0);
		await expect(page.getByLabel('ROUGE-L F above')).toHaveValue(bad === 'abc' ? '' : bad);
	}

	await page.goto(`${base}?threshold=0.6`);
	await expect(page.getByTestId('near-duplicate-summary')).toContainText('2 groups hold 55 of 55 instructions');
	const chain = page.locator('section[data-group="1"]');
	await expect(chain.getByRole('heading')).toContainText('Group 1: 40 instructions · 77 pairs');
	await expect(chain.locator('tbody tr')).toHaveCount(12);
	await expect(chain.getByTestId('pair-count')).toContainText('The 12 highest of 77 pairs.');
	const copies = page.locator('section[data-group="2"]');
	await expect(copies.getByRole('heading')).toContainText('Group 2: 15 instructions · 105 pairs');

	// The group's own page lists every pair, 50 at a time.
	await chain.getByRole('link', { name: 'All 77 listed pairs of group 1' }).click();
	await expect(page.getByTestId('pair-range')).toContainText('Pairs 1–50 of 77 listed');
	await expect(page.locator('tbody tr')).toHaveCount(50);
	await page.getByRole('link', { name: 'Next' }).click();
	await expect(page.getByTestId('pair-range')).toContainText('Pairs 51–77 of 77 listed');
	await expect(page.locator('tbody tr')).toHaveCount(27);
	await page.getByRole('link', { name: '← All groups' }).click();
	await expect(page.locator('section[data-group]')).toHaveCount(2);

	// Around a centre: the copies stay one group; the chain falls apart into groups of at most 5.
	await page.getByLabel('Groups').selectOption('centre');
	await page.getByRole('button', { name: 'Show' }).click();
	await expect(page).toHaveURL(/linkage=centre/);
	await expect(page.locator('section[data-group="1"]').getByRole('heading')).toContainText('Group 1: 15 instructions');
	await expect(page.locator('section[data-group="1"]')).toContainText('Centre:');
	const sizes = await page
		.locator('section[data-group] h2')
		.evaluateAll((hs) => hs.map((h) => Number(/: (\d+) instructions/.exec(h.textContent ?? '')?.[1])));
	expect(sizes[0]).toBe(15);
	expect(sizes.length).toBeGreaterThan(5);
	expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(5);
	await page.screenshot({ path: '/tmp/e2e-near-duplicates-centre.png', fullPage: false });
	await context.close();
});

test('more groups than a page: a total, and every group reached by keyboard through the pager', async ({ browser }) => {
	// 30 pairs of instructions sharing no word with any other pair: 30 groups of 2 at 0.7.
	const twins = Array.from({ length: 30 }, (_, k) => {
		const words = ['a', 'b', 'c', 'd', 'e'].map((l) => `v${k}${l}`);
		return [words.join(' '), [...words, `v${k}f`].join(' ')];
	}).flat();
	const summary = await importFile(
		(async function* () {
			yield new TextEncoder().encode(twins.map((instruction) => JSON.stringify({ instruction, input: '', output: 'x' })).join('\n') + '\n');
		})(),
		{ datasetName: `e2e near-duplicate pages ${Date.now()}`, fileName: 'twins.jsonl' },
		db
	);
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/datasets/${summary.datasetId}/near-duplicates`);
	await expect(page.getByTestId('near-duplicate-summary')).toContainText('30 groups hold 60 of 60 instructions');
	const pager = page.getByRole('navigation', { name: 'Pages' });
	await expect(pager).toContainText('30 groups · page 1 of 2');
	await expect(page.locator('section[data-group]')).toHaveCount(25);

	await pager.getByRole('link', { name: 'Next' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/page=2/);
	await expect(pager).toContainText('30 groups · page 2 of 2');
	const numbers = await page.locator('section[data-group]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-group'))));
	expect(numbers).toEqual([26, 27, 28, 29, 30]);
	// The page keeps the threshold and grouping it was asked for.
	await pager.getByRole('link', { name: 'Previous' }).focus();
	await page.keyboard.press('Enter');
	await expect(pager).toContainText('page 1 of 2');
	await context.close();
});

test('the threshold field takes any threshold the page does (0.72, 0.995), and spacing differences show', async ({ browser }) => {
	// Identical but for their spacing (ROUGE-L 1), and two that score 8/9 = 0.89: above 0.72, not above 0.995.
	const rows = ['Tab\there  and   spaces trailing   ', 'Tab here and spaces trailing', 'one two three four five six seven eight nine', 'one two three four five six seven eight ten'];
	const summary = await importFile(
		(async function* () {
			yield new TextEncoder().encode(rows.map((instruction) => JSON.stringify({ instruction, input: '', output: 'x' })).join('\n') + '\n');
		})(),
		{ datasetName: `e2e near-duplicate spacing ${Date.now()}`, fileName: 'spacing.jsonl' },
		db
	);
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/datasets/${summary.datasetId}/near-duplicates`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('near-duplicate-summary')).toContainText('2 groups hold 4 of 4 instructions');

	// The browser used to refuse both (step 0.05, max 0.95 in effect) and stay on the page.
	for (const [threshold, text] of [
		['0.72', '2 groups hold 4 of 4 instructions'],
		['0.995', '1 group holds 2 of 4 instructions']
	]) {
		await page.getByLabel('ROUGE-L F above').fill(threshold);
		await page.getByLabel('ROUGE-L F above').press('Enter');
		await expect(page).toHaveURL(new RegExp(`threshold=${threshold.replace('.', '\\.')}`));
		await expect(page.getByTestId('near-duplicate-summary')).toContainText(text);
	}

	// The two copies' cells show their own spacing: the tab and the runs of spaces are not collapsed.
	const cells = page.locator('section[data-group="1"] tbody td.instruction');
	const shown = await cells.evaluateAll((tds) => tds.map((td) => (td as HTMLElement).innerText));
	expect(shown.some((t) => t.startsWith('Tab\there  and   spaces trailing'))).toBe(true);
	expect(shown).toContain('Tab here and spaces trailing');
	await context.close();
});
