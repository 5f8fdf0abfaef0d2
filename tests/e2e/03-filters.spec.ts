import { test, expect } from '@playwright/test';
import { RESEARCHER, signIn, jsonl, gotoReady } from './helpers';

const rows = [
	{ instruction: 'Write a short poem about the sea and the wind.', input: '', output: 'Waves.' },
	{ instruction: 'Write a short poem about the sea and the sky.', input: '', output: 'Blue.' },
	{ instruction: 'Draw a picture of a cat.', input: '', output: 'ok' },
	{ instruction: 'Summarize the text in one sentence.', input: 'Same text.', output: 'Same text.' },
	{ instruction: 'Translate the sentence into French for me.', input: 'Hello', output: 'Bonjour' }
];

test('apply the Self-Instruct filters, read the funnel, and see near-duplicate groups', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e filters');
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'gen.jsonl', mimeType: 'application/json', buffer: Buffer.from(jsonl(rows)) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	await page.getByTestId('import-summary').getByRole('link', { name: /Open e2e filters/ }).click();

	await page.getByRole('link', { name: 'Near-duplicates' }).click();
	await expect(page.getByTestId('near-duplicate-summary')).toContainText('1 group holds 2 of 5 instructions');
	await expect(page.getByRole('region', { name: /^Group 1: 2 instructions/ })).toContainText('Write a short poem about the sea and the sky.');

	await page.getByRole('link', { name: 'e2e filters' }).click();
	await page.getByRole('link', { name: 'Apply filters' }).click();
	await expect(page.getByText('The filters have not been applied')).toBeVisible();
	await page.getByRole('button', { name: 'Apply filters' }).click();
	const funnel = page.getByTestId('funnel');
	await expect(funnel.locator('tr[data-rule="rougeL"]')).toContainText('1');
	await expect(funnel.locator('tr[data-rule="blacklist"]')).toContainText('1');
	await expect(funnel.locator('tr[data-rule="inputEqualsOutput"]')).toContainText('1');
	await expect(page.getByTestId('funnel-totals')).toContainText('Instructions kept');
	// The settings the run used, in words (the form below may since have changed).
	await expect(page.getByTestId('funnel-settings')).toContainText('preset self-instruct · ROUGE-L ≤ 0.7');
	// Examples of a rule link to the task and give the reason.
	await funnel.locator('tr[data-rule="rougeL"] + tr summary').click();
	await expect(funnel).toContainText('rougeL 0.');

	await page.getByRole('link', { name: 'Browse the rejected tasks' }).click();
	await expect(page.getByTestId('task-table').locator('tbody tr')).toHaveCount(3);
});

test('a refused filter form keeps every setting as typed and puts focus on the field in error', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e filters refused');
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'gen.jsonl', mimeType: 'application/json', buffer: Buffer.from(jsonl(rows)) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	await page.getByTestId('import-summary').getByRole('link', { name: /Open e2e filters refused/ }).click();
	await page.getByRole('link', { name: 'Apply filters' }).click();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Starts with punctuation').uncheck();
	await page.getByLabel('Blacklisted words', { exact: true }).fill('image, graph, zebra');
	await page.getByLabel('Minimum words').fill('50');
	await page.getByLabel('Maximum words').fill('10');
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.locator('#minWords-error')).toHaveText('The minimum is above the maximum.');
	await expect(page.getByLabel('Minimum words')).toBeFocused();
	// Nothing typed was put back to the saved settings.
	await expect(page.getByLabel('Starts with punctuation')).not.toBeChecked();
	await expect(page.getByLabel('Blacklisted words', { exact: true })).toHaveValue('image, graph, zebra');
	await expect(page.getByLabel('Maximum words')).toHaveValue('10');
	await expect(page.getByText('The filters have not been applied')).toBeVisible();
});

test('a blacklist or list of openings over its limit is said beside the field, which takes focus', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e filters long lists');
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'gen.jsonl', mimeType: 'application/json', buffer: Buffer.from(jsonl(rows)) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	await page.getByTestId('import-summary').getByRole('link', { name: /Open e2e filters long lists/ }).click();
	await page.getByRole('link', { name: 'Apply filters' }).click();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const blacklist = page.getByLabel('Blacklisted words', { exact: true });
	const tooMany = Array.from({ length: 600 }, (_, k) => `w${k}`).join(', ');
	await blacklist.fill(tooMany);
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.locator('#blacklist-error')).toHaveText('At most 500 words.');
	await expect(blacklist).toBeFocused();
	await expect(blacklist).toHaveAttribute('aria-invalid', 'true');
	await expect(blacklist).toHaveAccessibleDescription('At most 500 words.');
	await expect(blacklist).toHaveValue(tooMany);
	// Over 5,000 characters, and 101 openings.
	await blacklist.fill(Array.from({ length: 400 }, (_, k) => `(a+)+b${k}[x]`).join(', '));
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.locator('#blacklist-error')).toHaveText('At most 5,000 characters.');
	await blacklist.fill('image');
	const openings = page.getByRole('textbox', { name: 'Forbidden openings' });
	await openings.fill(Array.from({ length: 101 }, (_, k) => `Write ${k}`).join(', '));
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.locator('#prefixes-error')).toHaveText('At most 100 openings.');
	await expect(page.locator('#blacklist-error')).toHaveCount(0);
	await expect(openings).toBeFocused();
	await expect(page.getByText('The filters have not been applied')).toBeVisible();
});

test('an import that fails puts focus on its error', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e import refused');
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'bad.jsonl', mimeType: 'application/json', buffer: Buffer.from('{"instruction": "ok", "output": "x"}\n{not json\n') });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	await expect(page.getByTestId('import-error')).toBeFocused();
	await expect(page.getByTestId('import-error')).toContainText('line 2');
});
