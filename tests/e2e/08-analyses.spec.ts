import { test, expect, type Page } from '@playwright/test';
import { RESEARCHER, signIn, jsonl, gotoReady } from './helpers';

// Its own data: a small seed file and a "generated" set whose verbs and nouns are known.
const seeds = [
	['Write a poem about the sea.', ''],
	['Give me a recipe for pancakes.', ''],
	['Classify the sentiment of the review.', 'The soup was cold.'],
	['Summarize the following article in one sentence.', 'A long article.'],
	['What is the capital of France?', '']
].map(([instruction, input], k) => ({ id: `seed_task_${k}`, name: `seed_${k}`, instruction, instances: [{ input, output: 'An answer of a few words.' }], is_classification: k === 2 }));

const generated = [
	'Write a poem about the moon.',
	'Write a poem about autumn leaves.',
	'Write a story about a brave knight.',
	'Write a letter to your future self.',
	'Generate a list of healthy snacks.',
	'Generate a list of names for a cat.',
	'Generate a title for this blog post.',
	'Give me a recipe for banana bread.',
	'Give me a recipe for tomato soup.',
	'Give an example of a renewable resource.',
	'Create a budget for a weekend trip.',
	'Create a list of interview questions.',
	'Describe the water cycle in detail.',
	'Explain how vaccines work.',
	'Summarize the following article in two sentences.',
	'Is the following sentence grammatical?'
].map((instruction, k) => ({ instruction, input: k % 3 === 0 ? 'Some input text here.' : '', output: 'word '.repeat(5 + (k % 7) * 4).trim() }));

async function importFile(page: Page, dataset: string, name: string, content: string): Promise<number> {
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill(dataset);
	await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(content) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	const summary = page.getByTestId('import-summary');
	await expect(summary).toBeVisible();
	await summary.getByRole('link', { name: new RegExp(`Open ${dataset}`) }).click();
	await expect(page).toHaveURL(/\/datasets\/\d+$/);
	return Number(new URL(page.url()).pathname.split('/').pop());
}

test('the analyses page shows the verb–noun sunburst, ROUGE-L to the seeds and the lengths, with their numbers', async ({ page }) => {
	await signIn(page, RESEARCHER);
	const seedsId = await importFile(page, 'e2e analyses seeds', 'seed_tasks.jsonl', jsonl(seeds));
	await importFile(page, 'e2e analyses generated', 'generated.jsonl', jsonl(generated));

	await page.getByRole('link', { name: 'Analyses', exact: true }).click();
	await expect(page.getByRole('heading', { name: 'Analyses', level: 1 })).toBeVisible();
	// No seeds in this dataset and no run: the similarity section asks for a choice.
	await expect(page.getByTestId('no-seeds')).toBeVisible();
	await page.getByLabel('Seeds for ROUGE-L').selectOption(`dataset:${seedsId}`);
	await page.getByRole('button', { name: 'Analyse' }).click();
	await expect(page).toHaveURL(new RegExp(`seeds=dataset%3A${seedsId}`));

	// Table 1 figures, reused from the dataset statistics.
	await expect(page.getByTestId('dataset-stats').locator('[data-stat="instructions"]')).toHaveText('16');
	// 14 of 16 have a pair ("Explain how …" has a verb but no noun object; the question has no root verb).
	const vn = page.getByTestId('verb-noun-stats');
	await expect(vn.locator('[data-stat="withPair"]')).toContainText('14');
	await expect(vn.locator('[data-stat="withPair"]')).toContainText('87.5%');
	await expect(page.getByText('British spellings merged with American ones', { exact: false }).first()).toBeVisible();
	const table = page.locator('#vn-table');
	await expect(table.getByRole('rowheader', { name: 'write' })).toBeVisible();
	await expect(table.getByRole('row', { name: /^\s*poem 2/ })).toBeVisible();

	// The sunburst is hidden from assistive technology, points to the table, and is reachable by keyboard.
	const sunburst = page.getByTestId('sunburst');
	await expect(sunburst).toHaveAttribute('aria-describedby', 'vn-table');
	await expect(sunburst.locator('svg')).toHaveAttribute('aria-hidden', 'true');
	await sunburst.locator('.drawing').focus();
	await page.keyboard.press('ArrowRight');
	await expect(page.getByTestId('sunburst-detail')).toContainText(/pairs in all/);
	await page.keyboard.press('ArrowRight');
	await expect(page.getByTestId('sunburst-detail')).toContainText('→');

	// ROUGE-L to the 5 seeds, above 0.7: "… poem about the moon" (LCS 5 of 6 and 6 tokens: 0.833),
	// the two "Give me a recipe for …" (5 of 7 and 6: 0.769) and "Summarize … two sentences" (6 of 8 and 8: 0.75).
	const sim = page.getByTestId('similarity-stats');
	await expect(sim).toContainText('16');
	// "Above" is strictly greater, as the filters reject; the count at exactly the threshold is beside it.
	await expect(sim.locator('[data-stat="aboveThreshold"]')).toHaveText('4 (25.0%; exactly 0.7: 0)');
	await expect(page.getByText('“Above” is strictly greater', { exact: false }).first()).toBeVisible();
	await expect(sim).toContainText("above 0.7 (Self-Instruct's threshold)");
	const histograms = page.getByTestId('histogram');
	await expect(histograms).toHaveCount(4);
	await expect(histograms.first()).toHaveAttribute('aria-describedby', 'sim-table');
	await expect(histograms.first()).toHaveAttribute('aria-label', /share of instructions per 0\.05 bin/);
	await expect(histograms.first().locator('svg').first()).toBeVisible();
	await expect(page.getByTestId('length-table')).toContainText('Instruction length');

	await page.setViewportSize({ width: 1280, height: 900 });
	await page.screenshot({ path: '/tmp/e2e-analyses-desktop.png', fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: '/tmp/e2e-analyses-phone.png', fullPage: true });
	await page.setViewportSize({ width: 1280, height: 900 });

	// A second visit is served from the cache until the data changes.
	await page.reload();
	await expect(page.getByTestId('computed')).toContainText('From the cache');

	// Side by side: the generated set against the seeds, same scales.
	await page.getByRole('link', { name: 'Compare side by side' }).click();
	await expect(page.getByRole('heading', { name: 'Analyses side by side' })).toBeVisible();
	await page.getByLabel('Second').selectOption(`dataset:${seedsId}`);
	await page.getByRole('button', { name: 'Compare' }).click();
	const compare = page.getByTestId('compare-table');
	await expect(compare.locator('thead th')).toHaveCount(3);
	await expect(compare).toContainText('e2e analyses generated');
	await expect(compare).toContainText('e2e analyses seeds');
	// Each column says how many top verbs its coverage counts, and which threshold it reads.
	await expect(compare.getByRole('row', { name: /covered by the top verbs × 4 nouns/ })).toContainText(/top \d+ verbs?\)/);
	await expect(compare.getByRole('row', { name: /above the threshold used/ })).toContainText("(> 0.7 (Self-Instruct's threshold))");
	await expect(page.getByTestId('sunburst')).toHaveCount(2);
	await page.screenshot({ path: '/tmp/e2e-analyses-compare.png', fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: '/tmp/e2e-analyses-compare-phone.png', fullPage: true });
});

test('a bad scope is refused in plain words', async ({ page }) => {
	await signIn(page, RESEARCHER);
	const response = await page.goto('/analyses?dataset=999999');
	expect(response?.status()).toBe(404);
	await expect(page.getByText('No dataset with id 999999.')).toBeVisible();
	const bad = await page.goto('/analyses/compare?s=nonsense');
	expect(bad?.status()).toBe(400);
});

test('one verb is worded in the singular, and a bad filter is refused in the page\'s words', async ({ page }) => {
	await signIn(page, RESEARCHER);
	const id = await importFile(page, 'e2e analyses one', 'one.jsonl', jsonl([{ instruction: 'Write a poem about the sea.', input: '', output: 'Waves.' }]));
	await gotoReady(page, `/analyses?dataset=${id}&seeds=none`);
	await expect(page.getByText('Top 1 verb by pairs, each with its top 4 nouns')).toBeVisible();
	await expect(page.getByTestId('sunburst')).toHaveAttribute('aria-label', 'Top 1 verb and its top 4 nouns');
	await expect(page.getByTestId('figure-verb-noun')).toContainText('1 (100.0%) has a verb–noun pair, 1 (100.0%) is in the arcs');
	const bad = await page.goto(`/analyses?dataset=${id}&where=bogus`);
	expect(bad?.status()).toBe(400);
	await expect(page.getByText(/filter bogus: unknown filter "bogus"/)).toBeVisible();
	await expect(page.locator('main')).not.toContainText('--where');
});
