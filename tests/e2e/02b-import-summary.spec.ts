import { test, expect } from '@playwright/test';
import { RESEARCHER, signIn, jsonl, gotoReady } from './helpers';

// The import summary adds up and names its unit, and says what was taken in a way worth knowing.
test('the import summary counts duplicates in their unit and lists notices with their lines', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	const upload = async (dataset: string, name: string, rows: unknown[]) => {
		await page.getByLabel('Dataset').fill(dataset);
		await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(jsonl(rows)) });
		await page.getByRole('button', { name: 'Import', exact: true }).click();
		const summary = page.getByTestId('import-summary');
		await expect(summary).toContainText(name);
		return summary;
	};
	const opening = [
		{ from: 'human', value: 'Hi' },
		{ from: 'gpt', value: 'Hello' }
	];
	const sum = [...opening, { from: 'human', value: 'What is 2+2?' }, { from: 'gpt', value: '4' }];
	const conversations = await upload('e2e import counts', 'shared_opening.jsonl', [
		{ conversations: [...opening, { from: 'human', value: 'Tell a joke' }, { from: 'gpt', value: 'Knock knock' }] },
		{ conversations: sum },
		{ conversations: sum }
	]);
	// 3 records read = 2 conversations + 1 duplicate conversation (the shared first exchange is no duplicate).
	await expect(conversations.locator('[data-summary="conversations"]')).toHaveText('2');
	await expect(conversations.locator('[data-summary="duplicates"]')).toHaveText('1');
	await expect(conversations).toContainText('Skipped duplicate conversations');

	const pairs = await upload('e2e import notices', 'pairs.jsonl', [
		{ prompt: 'Same?', chosen: 'same', rejected: 'same' },
		{ prompt: 'Which?', chosen: 'this', rejected: 'that' }
	]);
	await expect(pairs.locator('[data-summary="pairs"]')).toHaveText('2');
	await expect(pairs.getByTestId('import-notices')).toContainText('1 preference pair has the same text as chosen and rejected (kept; a preference trainer learns nothing from them): line 1.');
});
