import { test, expect, type Page } from '@playwright/test';
import { RESEARCHER, signIn, gotoReady } from './helpers';

const pairs =
	'{"prompt": "Write a haiku (e2e fidelity)", "chosen": "A", "rejected": "B", "chosen_model": "m1", "rejected_model": "m2"}\n' +
	'{"prompt": "Write a haiku (e2e fidelity)", "chosen": "C", "rejected": "D"}\n' +
	'{"prompt": "Tie q (e2e fidelity)", "chosen": "E", "rejected": "F", "tie": true}\n' +
	'{"prompt": "Same (e2e fidelity)", "chosen": "G", "rejected": "G"}\n';

async function importFile(page: Page, dataset: string, name: string, text: string): Promise<void> {
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill(dataset);
	await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	await expect(page.getByTestId('import-summary')).toBeVisible();
}

test('a long file name without spaces wraps on a phone (the page was 673 px wide at 390)', async ({ page }) => {
	await page.setViewportSize({ width: 390, height: 844 });
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	const name = 'a_really_long_file_name_without_any_spaces_from_a_pipeline_export_2026_12_07_v3_final_final.jsonl';
	await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from('{"instruction":"a","output":"b"}\n') });
	await expect(page.getByText(name)).toBeVisible();
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('pairs without model names are responses from unnamed models; the imports table says what each import added and noticed', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await importFile(page, 'e2e fidelity pairs', 'pref.jsonl', pairs);
	await expect(page.getByTestId('import-notices')).toContainText('1 preference pair has the same text as chosen and rejected');
	await importFile(page, 'e2e fidelity pairs', 'pref.jsonl', pairs);
	await expect(page.getByTestId('import-summary').locator('[data-summary="duplicates"]')).toHaveText('4');
	await expect(page.getByTestId('import-notices')).toHaveCount(0);

	await gotoReady(page, '/datasets');
	await expect(page.getByRole('row', { name: /e2e fidelity pairs/ })).toContainText('8 (2 named models; 6 from unnamed models)');
	await page.getByRole('link', { name: 'e2e fidelity pairs' }).click();
	const models = page.getByRole('group', { name: 'Model responses' });
	await expect(models).not.toContainText('completion_a');
	await expect(page.getByTestId('unnamed-models')).toContainText('6');
	const added = page.getByTestId('import-added');
	// Newest first: the re-import added nothing and skipped four; the first added tasks, instances, pairs and responses.
	await expect(added.nth(0)).toHaveText('0 tasks, 0 inst.; 4 duplicates skipped');
	await expect(added.nth(1)).toHaveText('3 tasks, 2 inst., 4 pairs, 8 responses');
	const notices = page.getByRole('group', { name: 'Imports' }).getByTestId('import-notices');
	await expect(notices).toHaveCount(1);
	await notices.getByText(/notices from this import/).click();
	await expect(notices).toContainText('line 4');
});
