import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RESEARCHER, signIn, jsonl, gotoReady } from './helpers';
import { e2eDatabasePath } from '../support/e2e-world';

const rows = [
	{ instruction: 'Write a short poem about the sea and the wind.', input: '', output: 'Waves.' },
	{ instruction: 'Write a short poem about the sea and the sky.', input: '', output: 'Blue.' },
	{ instruction: 'Tell me a joke about cats and dogs.', input: '', output: 'Ha.' },
	{ instruction: 'Translate the sentence into French for me.', input: 'Hello', output: 'Bonjour' }
];

/** Settings of a user's own (the command line's --config), named after no preset. */
const strict = {
	name: 'strict-v2',
	normalize: { collapseWhitespace: true, capitalize: true },
	instruction: {
		wordCount: { enabled: true, min: 4, max: 150 },
		blacklist: { enabled: true, words: ['joke'] },
		forbiddenPrefix: { enabled: false, prefixes: ['Write a program'] },
		leadingPunctuation: { enabled: false },
		leadingNonAscii: { enabled: false },
		rougeL: { enabled: true, threshold: 0.705, topK: 10 }
	},
	instance: {
		inputEqualsOutput: { enabled: false },
		emptyOutput: { enabled: false },
		endsWithColon: { enabled: false },
		conflictingOutputs: { enabled: false },
		duplicate: { enabled: false },
		maxPerTask: { enabled: true, max: 5 }
	}
};

test('after a run with custom-named settings, Apply filters starts from them and applies them; a refused choice says why beside the field', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e filters custom');
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'gen.jsonl', mimeType: 'application/json', buffer: Buffer.from(jsonl(rows)) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	await page.getByTestId('import-summary').getByRole('link', { name: /Open e2e filters custom/ }).click();
	await page.waitForURL(/\/datasets\/\d+$/);
	const datasetId = Number(new URL(page.url()).pathname.split('/')[2]);

	// The command line applies the custom settings to the served app's database.
	const dbFile = e2eDatabasePath();
	const configFile = path.join(path.dirname(dbFile), 'strict-v2.json');
	fs.writeFileSync(configFile, JSON.stringify(strict));
	// Two seed tasks: the pool the filters start from, never judged themselves.
	const seedFile = path.join(path.dirname(dbFile), 'strict-seeds.jsonl');
	fs.writeFileSync(seedFile, jsonl([{ instruction: 'Name three rivers in Africa.', input: '', output: 'Nile.' }, { instruction: 'Write a haiku about autumn leaves.', input: '', output: 'Leaves.' }]));
	const seeded = spawnSync(process.execPath, ['bin/instruct-audit.js', 'import', seedFile, '--dataset', 'e2e filters custom', '--origin', 'seed'], { env: { ...process.env, DATABASE_PATH: dbFile }, encoding: 'utf8', timeout: 60_000 });
	expect(seeded.status).toBe(0);
	const cli = spawnSync(process.execPath, ['bin/instruct-audit.js', 'filter', String(datasetId), '--config', configFile], { env: { ...process.env, DATABASE_PATH: dbFile }, encoding: 'utf8', timeout: 60_000 });
	expect(cli.stderr).toBe('');
	expect(cli.stdout).toContain('Filters (custom settings "strict-v2", ROUGE-L ≤ 0.705');
	const runs = () => {
		const db = new Database(dbFile, { readonly: true });
		try {
			return db.prepare<[number], { config: string }>('SELECT config FROM filter_runs WHERE dataset_id = ? ORDER BY id').all(datasetId).map((r) => JSON.parse(r.config));
		} finally {
			db.close();
		}
	};
	expect(runs()).toHaveLength(1);

	await gotoReady(page, `/datasets/${datasetId}/filters`);
	await expect(page.getByTestId('funnel-settings')).toContainText('custom settings "strict-v2" · ROUGE-L ≤ 0.705 · 4–150 words · blacklist (1 word)');
	const custom = page.getByRole('radio', { name: /custom settings "strict-v2"/ });
	await expect(custom).toBeChecked();
	await expect(page.getByLabel('ROUGE-L threshold')).toHaveValue('0.705');
	await expect(page.getByLabel('Starts with punctuation')).not.toBeChecked();
	await expect(page.getByTestId('rouge-tokens-note')).toContainText('words in other scripts are dropped, so "Explain 你好 世界 please" and "Explain 再见 朋友 please" score 1.0');

	// Applied as they stand: a second run with the same settings, under the same name.
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect.poll(() => runs().length).toBe(2);
	expect(runs()[1]).toEqual(strict);
	await expect(page.getByTestId('funnel-settings')).toContainText('custom settings "strict-v2"');

	// A choice the action refuses (no radio checked: what the page used to send) is named beside the field, which takes focus.
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.evaluate(() => document.querySelectorAll<HTMLInputElement>('input[name="preset"]').forEach((r) => (r.checked = false)));
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.locator('#preset-error')).toHaveText('Choose the settings to start from.');
	await expect(page.getByRole('radio', { name: 'self-instruct' })).toBeFocused();
	expect(runs()).toHaveLength(2);

	// Choosing a preset replaces the form's settings with the preset's; the custom ones can be chosen back.
	await page.getByRole('radio', { name: 'alpaca' }).check();
	await expect(page.getByLabel('Input identical to output')).not.toBeChecked();
	await expect(page.getByLabel('ROUGE-L threshold')).toHaveValue('0.7');
	await custom.check();
	await expect(page.getByLabel('ROUGE-L threshold')).toHaveValue('0.705');

	// The export page's "kept" counts the seed tasks in, and says so: 2 kept by the funnel + 2 seeds.
	await expect(page.getByTestId('funnel-totals')).toContainText('Instructions kept2 of 4');
	await gotoReady(page, '/exports');
	await page.getByLabel('Dataset').selectOption({ label: 'e2e filters custom (6 instances)' });
	await page.getByLabel('Automatic filters').selectOption('yes');
	await expect(page.getByTestId('export-count').locator('[data-count="rows"]')).toHaveText('4');
	await expect(page.getByTestId('export-kept-by')).toContainText('it includes 2 instances of seed tasks, which the filters do not judge');
	await page.getByLabel('Origin').selectOption('imported');
	await expect(page.getByTestId('export-count').locator('[data-count="rows"]')).toHaveText('2');
	await expect(page.getByTestId('export-kept-by')).not.toContainText('seed tasks');
});

test('every named or customised configuration applied before is offered again, not only the latest run\'s', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets');
	await page.getByRole('link', { name: 'e2e filters custom', exact: true }).click();
	await page.getByRole('link', { name: 'Apply filters' }).click();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const strictRadio = page.getByRole('radio', { name: /^custom settings "strict-v2"/ });
	await expect(strictRadio).toBeChecked();

	// The preset once: "strict-v2" used to leave the radio group.
	await page.getByRole('radio', { name: 'self-instruct', exact: true }).check();
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.getByTestId('funnel-settings')).toContainText('preset self-instruct');
	await expect(page.getByRole('radio', { name: 'self-instruct', exact: true })).toBeChecked();
	await expect(strictRadio).toBeVisible();

	// The preset changed in the form is recorded as customised, and offered under that name.
	await page.getByLabel('ROUGE-L threshold').fill('0.65');
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.getByTestId('funnel-settings')).toContainText('self-instruct, customised · ROUGE-L ≤ 0.65');
	await gotoReady(page, page.url().replace(/#.*$/, ''));
	const customised = page.getByRole('radio', { name: 'self-instruct, customised' });
	await expect(customised).toBeChecked();
	await expect(customised).toHaveAccessibleDescription(/^ROUGE-L ≤ 0.65 · 4–150 words · blacklist \(13 words\) · ≤ 5 instances per task · filter run \d+, /);
	await expect(page.getByTestId('saved-settings').getByRole('radio')).toHaveCount(2);

	// Each gives back its own settings.
	await strictRadio.check();
	await expect(page.getByLabel('ROUGE-L threshold')).toHaveValue('0.705');
	await expect(page.getByLabel('Blacklisted words', { exact: true })).toHaveValue('joke');
	await customised.check();
	await expect(page.getByLabel('ROUGE-L threshold')).toHaveValue('0.65');
	await strictRadio.check();
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.getByTestId('funnel-settings')).toContainText('custom settings "strict-v2" · ROUGE-L ≤ 0.705');
});

test('the near-duplicates page shows a score just above the threshold as above it, as the funnel does', async ({ page }) => {
	// 9 and 11 words, 7 in common in order: F = 2·7/20 computed as 0.7000000000000001 > 0.7.
	const pair = [
		{ instruction: 'Explain how solar panels turn sunlight into energy today', input: '', output: 'a' },
		{ instruction: 'Explain how solar panels turn sunlight into electricity for small homes', input: '', output: 'b' }
	];
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/datasets/import');
	await page.getByLabel('Dataset').fill('e2e near threshold');
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'pair.jsonl', mimeType: 'application/json', buffer: Buffer.from(jsonl(pair)) });
	await page.getByRole('button', { name: 'Import', exact: true }).click();
	await page.getByTestId('import-summary').getByRole('link', { name: /Open e2e near threshold/ }).click();
	await page.getByRole('link', { name: 'Near-duplicates' }).click();
	const group = page.getByRole('region', { name: /^Group 1: 2 instructions/ });
	await expect(group).toContainText('highest ROUGE-L 0.7000000000000001');
	await expect(group.locator('td.num')).toHaveText('0.7000000000000001');
	await expect(page.getByTestId('near-duplicate-summary')).toContainText('words in other scripts are dropped');
});
