/**
 * The new-audit form with a mistake only the server finds (a malformed gold line, one model of a
 * pair): the error shows beside its field and everything typed stays, instead of a 500 page.
 */
import { test, expect, type Page } from '@playwright/test';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { importFile } from '../../src/lib/server/datasets/import';
import { jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let datasetId: number;
let instanceId: number;
let researcher: Account;
let reviewers: Account[];

test.beforeAll(async () => {
	db = openE2eDatabase();
	const rows = Array.from({ length: 6 }, (_, i) => ({ instruction: `Spell the number ${i + 2}.`, input: '', output: `number ${i + 2}` }));
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: `e2e form errors ${Date.now()}`, fileName: 'spell.jsonl' }, db)).datasetId;
	instanceId = db.$client.prepare('SELECT i.id FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.dataset_id = ? ORDER BY i.id LIMIT 1').pluck().get(datasetId) as number;
	researcher = await makeAccount(db, 'researcher', 'Form Researcher');
	reviewers = [await makeAccount(db, 'reviewer', 'Form Reviewer One'), await makeAccount(db, 'reviewer', 'Form Reviewer Two')];
});
test.afterAll(() => db?.$client.close());

async function pickReviewer(page: Page, reviewer: Account) {
	// The filter appears only with more than 8 accounts (the shared e2e world has them, a lone run not).
	const filter = page.getByLabel('Filter accounts');
	if (await filter.count()) await filter.fill(reviewer.email);
	await page.locator(`input[type="checkbox"][name="reviewers"][value="${reviewer.id}"]`).check();
}

test('a malformed gold line is an error beside Gold items, with everything typed kept', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/audits/new?dataset=${datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.locator('#name').fill('Spelling check');
	await page.getByLabel('Instructions to sample').fill('4');
	await page.locator('#seed').fill('4242');
	await page.locator('#overlap').fill('2');
	for (const r of reviewers) await pickReviewer(page, r);
	await page.getByLabel('Guidelines').fill('Spell it out in words.');
	const gold = `{"instance": ${instanceId}, "instruction": "yes", "input": "yes", "output": "no", "reason": "incorrect_output"}\nnot json`;
	await page.getByLabel('Gold items (JSON Lines)').fill(gold);
	await page.getByRole('button', { name: 'Create audit' }).click();

	await expect(page.locator('#gold-error')).toHaveText('Gold line 2: not valid JSON.');
	// Focus goes to the field in error, not <body>.
	await expect(page.getByLabel('Gold items (JSON Lines)')).toBeFocused();
	expect(page.url()).toMatch(/\/audits\/new/);
	await expect(page.locator('#name')).toHaveValue('Spelling check');
	await expect(page.getByLabel('Instructions to sample')).toHaveValue('4');
	await expect(page.locator('#seed')).toHaveValue('4242');
	await expect(page.locator('#overlap')).toHaveValue('2');
	// Both still chosen (one may be filtered out of view, carried in a hidden field): each checked when shown.
	await expect(page.locator('legend', { hasText: 'Reviewers (2 chosen)' })).toBeVisible();
	for (const r of reviewers) {
		const filter = page.getByLabel('Filter accounts');
		if (await filter.count()) await filter.fill(r.email);
		await expect(page.locator(`input[type="checkbox"][name="reviewers"][value="${r.id}"]`)).toBeChecked();
	}
	await expect(page.getByLabel('Guidelines')).toHaveValue('Spell it out in words.');
	await expect(page.getByLabel('Gold items (JSON Lines)')).toHaveValue(gold);
	expect(db.$client.prepare("SELECT count(*) FROM audits WHERE name = 'Spelling check'").pluck().get()).toBe(0);
	await context.close();
});
